using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using PeerVault.Node.Hosting;
using PeerVault.Node.Security;

namespace PeerVault.Node.Api;

/// <summary>
/// Wires client authentication and authorization: the API-key scheme, one policy per scope (admin
/// satisfies every policy), and a fallback policy of admin, so an endpoint that forgets to say what
/// it needs is closed rather than open. Only the health probes opt out.
/// </summary>
public static class ApiSecurity
{
    public const string ReadPolicy = ApiScopes.Read;
    public const string WritePolicy = ApiScopes.Write;
    public const string AdminPolicy = ApiScopes.Admin;

    /// <summary>
    /// Adds the file named by <c>PEERVAULT_API_KEYS_FILE</c> (if set) as a configuration source that
    /// is watched, so keys added to or removed from it take effect without a restart.
    /// </summary>
    public static void AddApiKeysFile(this IConfigurationBuilder configuration, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new NodeConfigurationException($"{NodeSettings.ApiKeysFileVariable} names {full}, which does not exist.");
        }

        configuration.AddJsonFile(new PhysicalFileProvider(Path.GetDirectoryName(full)!), Path.GetFileName(full), optional: false, reloadOnChange: true);
    }

    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IOptionsChangeTokenSource<ApiKeyOptions>>(new ConfigurationChangeTokenSource<ApiKeyOptions>(configuration));
        services.AddOptions<ApiKeyOptions>().Configure(options =>
        {
            options.Keys.Clear();
            foreach (var named in configuration.GetSection(ApiKeyOptions.Section).GetChildren())
            {
                options.Keys[named.Key] = new ApiKeyEntry
                {
                    Key = named["Key"] ?? string.Empty,
                    Scopes = named.GetSection("Scopes").GetChildren().Select(s => s.Value ?? string.Empty)
                        .Concat((named["Scopes"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        .ToList(),
                    S3AccessKey = named["S3AccessKey"],
                    S3SecretKey = named["S3SecretKey"],
                };
            }
        });
        services.AddSingleton<ApiKeys>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, policy => policy.RequireAssertion(context => Allows(context, ApiScopes.Read)))
            .AddPolicy(WritePolicy, policy => policy.RequireAssertion(context => Allows(context, ApiScopes.Write)))
            .AddPolicy(AdminPolicy, policy => policy.RequireAssertion(context => Allows(context, ApiScopes.Admin)))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAssertion(context => Allows(context, ApiScopes.Admin)).Build());
        return services;
    }

    private static bool Allows(AuthorizationHandlerContext context, string scope) =>
        context.User.Identity?.IsAuthenticated == true
        && (context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope) || context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Admin));
}
