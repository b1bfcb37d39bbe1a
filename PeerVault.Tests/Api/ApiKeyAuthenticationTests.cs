using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Api;

/// <summary>Client authentication on a real node over HTTP: API keys, scopes, and the open probes.</summary>
[Trait("Category", "InProcess")]
public sealed class ApiKeyAuthenticationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Endpoints => new()
    {
        { "PUT", "/v1/objects/a-key" },
        { "GET", "/v1/objects/a-key" },
        { "HEAD", "/v1/objects/a-key" },
        { "DELETE", "/v1/objects/a-key" },
        { "GET", "/v1/objects" },
        { "GET", "/v1/placement/a-key" },
        { "GET", "/v1/cluster" },
        { "POST", "/v1/cluster/sync" },
        { "DELETE", "/v1/cluster/members/00000000000000000000000000000001" },
        { "GET", "/v1/no-such-endpoint" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_key_or_with_a_wrong_one_every_endpoint_answers_401_as_a_problem(string method, string path)
    {
        await using var cluster = await TestCluster.StartAsync(1);
        var node = cluster["node1"];
        using var anonymous = node.Anonymous();

        foreach (var (header, value) in new[] { ((string?)null, (string?)null), ("Authorization", "Bearer not-the-key-but-long-enough"), ("X-Api-Key", "not-the-key-but-long-enough") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "PUT" ? new ByteArrayContent([1, 2, 3]) : null };
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation(header, value);
            }

            using var response = await anonymous.SendAsync(request, Ct);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            if (method != "HEAD")
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
                Assert.Equal("https://peervault.dev/problems/unauthorized", problem.GetProperty("type").GetString());
                Assert.Contains(header is null ? "required" : "not valid", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }

        Assert.Empty(node.Store.Index.Page(null, null, int.MaxValue));
        Assert.DoesNotContain(node.Logs.Lines, l => l.Contains("not-the-key-but-long-enough", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_admin_key_works_as_a_bearer_token_and_as_an_x_api_key_header()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        using var anonymous = cluster["node1"].Anonymous();

        using var bearer = new HttpRequestMessage(HttpMethod.Put, "/v1/objects/bearer") { Content = new ByteArrayContent([1]) };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Secrets.ApiKey);
        using var header = new HttpRequestMessage(HttpMethod.Get, "/v1/cluster");
        header.Headers.Add("X-Api-Key", cluster.Secrets.ApiKey);

        Assert.Equal(HttpStatusCode.Created, (await anonymous.SendAsync(bearer, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(header, Ct)).StatusCode);
    }

    [Fact]
    public async Task Health_probes_need_no_key_and_reveal_nothing_of_the_cluster()
    {
        await using var cluster = await TestCluster.StartAsync(1);
        using var anonymous = cluster["node1"].Anonymous();

        foreach (var probe in new[] { "/health", "/alive" })
        {
            using var response = await anonymous.GetAsync(probe, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public async Task Scoped_keys_from_a_file_get_403_outside_their_scope_and_reload_without_a_restart()
    {
        using var directory = new TempDirectory();
        var keysFile = Path.Combine(directory.Path, "api-keys.json");
        const string reader = "reader-key-0123456789abcdef";
        const string writer = "writer-key-0123456789abcdef";
        const string added = "added-key-0123456789abcdefgh";
        await WriteKeysAsync(keysFile, ("backup", reader, "read"), ("ingest", writer, "write"));
        await using var cluster = await TestCluster.StartAsync(1, settings: new Dictionary<string, string?> { ["PEERVAULT_API_KEYS_FILE"] = keysFile });
        var node = cluster["node1"];
        await node.Http.PutObjectAsync("report.pdf", [1, 2, 3]);

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(node, reader, HttpMethod.Get, "/v1/objects/report.pdf"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(node, reader, HttpMethod.Get, "/v1/objects"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(node, reader, HttpMethod.Put, "/v1/objects/report.pdf"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(node, reader, HttpMethod.Delete, "/v1/objects/report.pdf"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(node, reader, HttpMethod.Get, "/v1/cluster"));
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(node, writer, HttpMethod.Put, "/v1/objects/upload.bin"));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(node, writer, HttpMethod.Get, "/v1/objects/upload.bin"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(node, added, HttpMethod.Get, "/v1/objects"));

        // The reader's key is revoked and a new key added, in the file alone.
        await WriteKeysAsync(keysFile, ("ingest", writer, "write"), ("ops", added, "read,write"));
        await Poll.UntilAsync(async () => await StatusAsync(node, added, HttpMethod.Get, "/v1/objects") == HttpStatusCode.OK, "the added key works", TimeSpan.FromSeconds(20));
        await Poll.UntilAsync(async () => await StatusAsync(node, reader, HttpMethod.Get, "/v1/objects") == HttpStatusCode.Unauthorized, "the removed key is refused", TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(node, added, HttpMethod.Put, "/v1/objects/ops.bin"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(node, cluster.Secrets.ApiKey, HttpMethod.Get, "/v1/cluster"));
        Assert.DoesNotContain(node.Logs.Lines, l => l.Contains(reader, StringComparison.Ordinal) || l.Contains(added, StringComparison.Ordinal));
    }

    private static async Task<HttpStatusCode> StatusAsync(TestNode node, string key, HttpMethod method, string path)
    {
        using var anonymous = node.Anonymous();
        using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Put ? new ByteArrayContent([9]) : null };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await anonymous.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static async Task WriteKeysAsync(string path, params (string Name, string Key, string Scopes)[] keys)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["PeerVault"] = new Dictionary<string, object>
            {
                ["ApiKeys"] = keys.ToDictionary(k => k.Name, k => (object)new Dictionary<string, object> { ["Key"] = k.Key, ["Scopes"] = k.Scopes.Split(',') }),
            },
        });

        // Written aside and moved in, as an operator's tooling would: the watcher never sees half a file.
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, json, Ct);
        File.Move(temporary, path, overwrite: true);
    }
}
