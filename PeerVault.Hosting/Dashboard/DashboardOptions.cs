using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting.Dashboard;

/// <summary>
/// Where the dashboard listens and the secrets that guard it. Configuration keys
/// <c>Dashboard:Port</c>, <c>Dashboard:OtlpGrpcPort</c>, <c>Dashboard:OtlpHttpPort</c> (0 = any free
/// port), <c>Dashboard:BrowserToken</c> and <c>Dashboard:OtlpApiKey</c> (generated per run when unset).
/// </summary>
public sealed record DashboardOptions
{
    public int UiPort { get; init; } = 18888;

    public int OtlpGrpcPort { get; init; } = 18889;

    public int OtlpHttpPort { get; init; } = 18890;

    public string BrowserToken { get; init; } = NewSecret();

    /// <summary>Required in <c>x-otlp-api-key</c> on every OTLP request; null accepts any sender on loopback.</summary>
    public string? OtlpApiKey { get; init; } = NewSecret();

    public static DashboardOptions From(IConfiguration configuration, bool testing)
    {
        int Port(string key, int fallback) => int.TryParse(configuration[key], out var port) ? port : testing ? 0 : fallback;
        var defaults = new DashboardOptions();
        return defaults with
        {
            UiPort = Port("Dashboard:Port", defaults.UiPort),
            OtlpGrpcPort = Port("Dashboard:OtlpGrpcPort", defaults.OtlpGrpcPort),
            OtlpHttpPort = Port("Dashboard:OtlpHttpPort", defaults.OtlpHttpPort),
            BrowserToken = configuration["Dashboard:BrowserToken"] is { Length: > 0 } token ? token : defaults.BrowserToken,
            OtlpApiKey = configuration["Dashboard:OtlpApiKey"] is { Length: > 0 } key ? key : defaults.OtlpApiKey,
        };
    }

    private static string NewSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
