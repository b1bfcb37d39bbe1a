using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using PeerVault.Client;
using PeerVault.Client.Hosting;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// PeerVault's Aspire client integration: registers a <see cref="PeerVaultClient"/> configured from
/// the connection string an AppHost hands over (<c>.WithReference(cluster)</c> sets
/// <c>ConnectionStrings__{name}</c>), with a health check, tracing and metrics, as Aspire's own
/// client integrations do.
/// </summary>
public static class AspirePeerVaultClientExtensions
{
    /// <summary>The configuration section the settings are bound from.</summary>
    public const string DefaultConfigSectionName = "Aspire:PeerVault:Client";

    /// <summary>
    /// Registers a singleton <see cref="PeerVaultClient"/> for the cluster named
    /// <paramref name="connectionName"/> (<c>ConnectionStrings:{connectionName}</c>), with a health
    /// check, OpenTelemetry tracing and metrics unless the settings turn them off.
    /// </summary>
    /// <param name="builder">The application builder to read configuration from and add services to.</param>
    /// <param name="connectionName">The name of the connection string, the cluster resource's name in the AppHost.</param>
    /// <param name="configureSettings">Changes the settings after they are read from configuration.</param>
    /// <remarks>Reads settings from <c>Aspire:PeerVault:Client</c>.</remarks>
    public static void AddPeerVaultClient(this IHostApplicationBuilder builder, string connectionName, Action<PeerVaultClientSettings>? configureSettings = null)
        => AddPeerVaultClient(builder, connectionName, configureSettings, serviceKey: null);

    /// <summary>
    /// Registers a keyed singleton <see cref="PeerVaultClient"/> for the cluster named
    /// <paramref name="name"/>, which is also the service key; settings from
    /// <c>Aspire:PeerVault:Client:{name}</c> override those of <c>Aspire:PeerVault:Client</c>.
    /// </summary>
    public static void AddKeyedPeerVaultClient(this IHostApplicationBuilder builder, string name, Action<PeerVaultClientSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddPeerVaultClient(builder, name, configureSettings, serviceKey: name);
    }

    private static void AddPeerVaultClient(IHostApplicationBuilder builder, string connectionName, Action<PeerVaultClientSettings>? configureSettings, string? serviceKey)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var section = builder.Configuration.GetSection(DefaultConfigSectionName);
        var settings = new PeerVaultClientSettings();
        section.Bind(settings);
        section.GetSection(connectionName).Bind(settings);
        if (builder.Configuration.GetConnectionString(connectionName) is { } connectionString)
        {
            settings.ConnectionString = connectionString;
        }

        configureSettings?.Invoke(settings);

        // Created on first use, so a missing connection string fails where the client is wanted,
        // with a message that says where it was looked for, not at start-up.
        PeerVaultClient Create(IServiceProvider services)
        {
            if (string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                throw new InvalidOperationException(
                    $"PeerVault client '{connectionName}': no connection string. Reference the cluster from the AppHost (.WithReference(cluster)), or set ConnectionStrings:{connectionName} (or {DefaultConfigSectionName}:ConnectionString) to Endpoints=http://host:port,…;Key=….");
            }

            var options = PeerVaultClientOptions.FromConnectionString(settings.ConnectionString);
            options.ConnectTimeout = settings.ConnectTimeout;
            options.ResponseTimeout = settings.ResponseTimeout;
            return new PeerVaultClient(options, services.GetService<ILoggerFactory>());
        }

        if (serviceKey is null)
        {
            builder.Services.AddSingleton(Create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, (services, _) => Create(services));
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(PeerVaultClient.ActivitySourceName));
        }

        if (!settings.DisableMetrics)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PeerVaultClient.ActivitySourceName));
        }

        if (!settings.DisableHealthChecks)
        {
            var name = serviceKey is null ? "PeerVault" : $"PeerVault_{connectionName}";
            var key = $"Aspire.HealthChecks.{name}";
            if (!builder.Properties.ContainsKey(key))
            {
                builder.Properties[key] = true;
                builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                    name,
                    services => new PeerVaultHealthCheck(serviceKey is null ? services.GetRequiredService<PeerVaultClient>() : services.GetRequiredKeyedService<PeerVaultClient>(serviceKey)),
                    failureStatus: null,
                    tags: null,
                    timeout: settings.HealthCheckTimeout));
            }
        }
    }
}
