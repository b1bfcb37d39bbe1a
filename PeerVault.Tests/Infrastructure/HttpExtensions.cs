using System.Net.Http.Json;
using System.Text.Json;

namespace PeerVault.Tests.Infrastructure;

public static class HttpExtensions
{
    public static async Task<JsonElement> PutObjectAsync(this HttpClient http, string key, byte[] content, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.Created)
    {
        using var response = await http.PutAsync($"/v1/objects/{Uri.EscapeDataString(key)}", new ByteArrayContent(content), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"PUT {key}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<byte[]> GetObjectAsync(this HttpClient http, string key)
    {
        using var response = await http.GetAsync($"/v1/objects/{Uri.EscapeDataString(key)}", TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
    }

    public static Task<JsonElement> GetJsonAsync(this HttpClient http, string path)
        => http.GetFromJsonAsync<JsonElement>(path, TestContext.Current.CancellationToken);

    public static IReadOnlyList<string> Replicas(this JsonElement stored)
        => [.. stored.GetProperty("replicas").EnumerateArray().Select(r => r.GetString()!)];
}
