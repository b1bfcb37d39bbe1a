namespace PeerVault.Node.Hosting;

/// <summary><c>PeerVault.Node --probe {url}</c>: exit 0 when the URL answers 2xx within 3 s, else 1.</summary>
internal static class HealthProbe
{
    public static async Task<int> RunAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"probe {url}: {ex.Message}");
            return 1;
        }
    }
}
