using System.Reflection;
using Aspire.Hosting;

namespace PeerVault.Hosting.Publishing;

/// <summary>
/// The standalone Aspire dashboard deployed beside the application, receiving every service's
/// OTLP telemetry as it does under <c>aspire run</c>. Aspire's own Docker publisher deploys it the
/// same way but from the nightly repository at <c>latest</c>; PeerVault pins the released image to
/// the Aspire version the AppHost is built with, so a redeploy never changes the dashboard under it.
/// </summary>
internal static class AspireDashboard
{
    /// <summary>The service (and Kubernetes object) name; Aspire's own name for its dashboard.</summary>
    public const string Name = "aspire-dashboard";

    public const string ImageRepository = "mcr.microsoft.com/dotnet/aspire-dashboard";

    /// <summary>The browser UI (the image's <c>ASPNETCORE_URLS</c>).</summary>
    public const int UiPort = 18888;

    /// <summary>OTLP over gRPC (the image's <c>DOTNET_DASHBOARD_OTLP_ENDPOINT_URL</c>).</summary>
    public const int OtlpGrpcPort = 18889;

    /// <summary>The dashboard's own settings: a browser token for the UI, no key for OTLP, which only the application's network reaches.</summary>
    public const string FrontendAuthModeVariable = "DASHBOARD__FRONTEND__AUTHMODE";
    public const string BrowserTokenVariable = "DASHBOARD__FRONTEND__BROWSERTOKEN";
    public const string OtlpAuthModeVariable = "DASHBOARD__OTLP__AUTHMODE";

    public static RequiredVariable BrowserToken { get; } = new(
        "DASHBOARD_BROWSER_TOKEN",
        "dashboard-browser-token",
        "The token that opens the Aspire dashboard's UI (the login page asks for it).",
        "openssl rand -hex 16",
        IsSecret: true);

    /// <summary>
    /// <c>mcr.microsoft.com/dotnet/aspire-dashboard:13.6</c> for Aspire.Hosting 13.6.x: the dashboard
    /// publishes a tag per minor version, and its OTLP and UI contract follows Aspire's.
    /// </summary>
    public static string Image
    {
        get
        {
            var version = typeof(DistributedApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', '-')[0];
            return Version.TryParse(version, out var parsed)
                ? $"{ImageRepository}:{parsed.Major}.{parsed.Minor}"
                : throw new InvalidOperationException($"Aspire.Hosting's version '{version}' does not say which dashboard image to pin.");
        }
    }

    public static string OtlpEndpoint => $"http://{Name}:{OtlpGrpcPort}";

    /// <summary>What Aspire sets on a resource with an OTLP exporter when a dashboard receives its telemetry.</summary>
    public static IEnumerable<KeyValuePair<string, string>> OtlpEnvironment(string serviceName) =>
    [
        new("OTEL_EXPORTER_OTLP_ENDPOINT", OtlpEndpoint),
        new("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        new("OTEL_SERVICE_NAME", serviceName),
    ];
}
