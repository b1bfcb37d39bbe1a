using System.Net.Sockets;
using System.Text;

namespace PeerVault.Tests.Infrastructure;

/// <summary>Sends a request line exactly as written, bypassing HttpClient's URL normalisation.</summary>
public static class RawHttp
{
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string rawTarget, byte[] body, string? apiKey = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        var head = $"{method} {rawTarget} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Length: {body.Length}\r\n{(apiKey is null ? string.Empty : $"Authorization: Bearer {apiKey}\r\n")}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), TestContext.Current.CancellationToken);
        await stream.WriteAsync(body, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        var status = int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var separator = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, separator < 0 ? string.Empty : response[(separator + 4)..]);
    }
}
