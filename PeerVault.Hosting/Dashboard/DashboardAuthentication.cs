using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Aspire.Hosting.Dashboard;

/// <summary>
/// The browser-token scheme of Aspire's dashboard: <c>/login?t={token}</c> exchanges the token for
/// an HttpOnly session cookie; scripts may send <c>Authorization: Bearer {token}</c> instead. OTLP
/// senders prove themselves with <c>x-otlp-api-key</c>.
/// </summary>
internal sealed class DashboardAuthentication(DashboardOptions options)
{
    public const string CookieName = "peervault_dashboard";
    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);

    public bool IsValidToken(string? token) => token is not null && FixedTimeEquals(token, options.BrowserToken);

    public string NewSession()
    {
        var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _sessions[session] = 0;
        return session;
    }

    public bool IsAuthenticated(HttpContext context)
    {
        if (context.Request.Cookies.TryGetValue(CookieName, out var session) && _sessions.ContainsKey(session))
        {
            return true;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.Ordinal) && IsValidToken(authorization["Bearer ".Length..].Trim());
    }

    public bool IsValidOtlpSender(HttpContext context)
        => options.OtlpApiKey is null || FixedTimeEquals(context.Request.Headers["x-otlp-api-key"].ToString(), options.OtlpApiKey);

    private static bool FixedTimeEquals(string given, string expected)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
}
