using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Security;

namespace PeerVault.Node.Api;

/// <summary>
/// Client authentication: an API key in <c>Authorization: Bearer …</c> or <c>X-Api-Key</c>,
/// recognised by the <see cref="ApiKeyRing"/> in force (reloaded when its configuration changes).
/// Without a key or with a wrong one the answer is 401; a key without the scope an endpoint needs
/// gets 403; both are problem details. Refusals are counted and logged at most once a minute.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeys keys,
    RefusalLog refusals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "PeerVaultApiKey";
    public const string ScopeClaim = "scope";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer ".Length..].Trim()
            : Request.Headers["X-Api-Key"].ToString().Trim();
        if (presented.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Current.Find(presented) is not { } caller)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, caller.Name), .. caller.Scopes.Select(s => new Claim(ScopeClaim, s))],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var wrong = Request.Headers.ContainsKey("Authorization") || Request.Headers.ContainsKey("X-Api-Key");
        refusals.Refused(wrong ? "api-key-wrong" : "api-key-missing", Context.Connection.RemoteIpAddress?.ToString() ?? "?");
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.Unauthorized(wrong).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        refusals.Refused("api-key-scope", Context.User.Identity?.Name ?? "?");
        await Problems.Forbidden(Context.User.Identity?.Name ?? "this key").ExecuteAsync(Context);
    }
}

/// <summary>The <see cref="ApiKeyRing"/> in force, rebuilt whenever the key configuration changes.</summary>
public sealed partial class ApiKeys : IDisposable
{
    private readonly IDisposable? _subscription;
    private readonly string? _adminKey;
    private readonly (string AccessKey, string SecretKey)? _s3Admin;
    private readonly ILogger<ApiKeys> _logger;
    private volatile ApiKeyRing _current;

    public ApiKeys(ApiOptions api, IOptionsMonitor<ApiKeyOptions> named, ILogger<ApiKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(named);
        _adminKey = api.AdminKey;
        _s3Admin = api.S3AdminKey;
        _logger = logger;
        _current = Build(named.CurrentValue);
        _subscription = named.OnChange(changed =>
        {
            _current = Build(changed);
            LogReloaded(_current.Count);
        });
    }

    public ApiKeyRing Current => _current;

    private ApiKeyRing Build(ApiKeyOptions options) => new(_adminKey, options.Keys, warning => LogIgnored(warning), _s3Admin);

    public void Dispose() => _subscription?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "API keys reloaded: {Count} in force")]
    private partial void LogReloaded(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private partial void LogIgnored(string warning);
}
