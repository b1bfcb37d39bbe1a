using System.Security.Cryptography;
using System.Text.Json;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cli;

/// <summary>
/// The <c>peervault</c> CLI run as a process against a real three-node cluster: every command, in
/// human and <c>--json</c> form, and the exit codes scripts depend on.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class CliCommandsTests(CliCluster cli) : IClassFixture<CliCluster>
{
    [Fact]
    public async Task Put_get_stat_and_rm_a_file_round_trip_with_json()
    {
        var data = RandomNumberGenerator.GetBytes(300_000);
        var source = Path.Combine(cli.Scratch.Path, "source.bin");
        await File.WriteAllBytesAsync(source, data, TestContext.Current.CancellationToken);

        var put = await cli.RunAsync("put", "docs/report 1.bin", source, "--json");
        Assert.Equal(0, put.ExitCode);
        Assert.Equal("docs/report 1.bin", put.Json.GetProperty("key").GetString());
        Assert.Equal(data.Length, put.Json.GetProperty("size").GetInt64());
        Assert.Equal(3, put.Json.GetProperty("placement").GetArrayLength());
        Assert.InRange(put.Json.GetProperty("replicas").GetArrayLength(), 2, 3);
        var version = put.Json.GetProperty("version").GetString();

        var target = Path.Combine(cli.Scratch.Path, "copy.bin");
        var get = await cli.RunAsync("get", "docs/report 1.bin", "-o", target, "--json");
        Assert.Equal(0, get.ExitCode);
        Assert.Equal(data, await File.ReadAllBytesAsync(target, TestContext.Current.CancellationToken));
        Assert.Equal(version, get.Json.GetProperty("version").GetString());
        Assert.Empty(Directory.GetFiles(cli.Scratch.Path, "*.part"));

        var toStdout = await cli.RunAsync("get", "docs/report 1.bin");
        Assert.Equal(0, toStdout.ExitCode);
        Assert.Equal(data, toStdout.StdoutBytes);

        var range = await cli.RunAsync("get", "docs/report 1.bin", "--range", "1000-1099");
        Assert.Equal(0, range.ExitCode);
        Assert.Equal(data[1000..1100], range.StdoutBytes);

        var stat = await cli.RunAsync("stat", "docs/report 1.bin", "--json");
        Assert.Equal(0, stat.ExitCode);
        Assert.Equal(data.Length, stat.Json.GetProperty("size").GetInt64());
        Assert.Equal(version, stat.Json.GetProperty("version").GetString());
        var replicas = stat.Json.GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(3, replicas.Count);
        Assert.All(replicas, r => Assert.Equal("alive", r.GetProperty("state").GetString()));

        var statTable = await cli.RunAsync("stat", "docs/report 1.bin");
        Assert.Equal(0, statTable.ExitCode);
        Assert.Contains(version!, statTable.Stdout, StringComparison.Ordinal);
        Assert.Contains("node2", statTable.Stdout, StringComparison.Ordinal);

        var rm = await cli.RunAsync("rm", "docs/report 1.bin", "--json");
        Assert.Equal(0, rm.ExitCode);
        Assert.Equal("docs/report 1.bin", rm.Json.GetProperty("key").GetString());

        var gone = await cli.RunAsync("get", "docs/report 1.bin", "-o", Path.Combine(cli.Scratch.Path, "gone.bin"), "--json");
        Assert.Equal(3, gone.ExitCode);
        Assert.Equal("not-found", gone.Error.GetProperty("kind").GetString());
        Assert.Equal(404, gone.Error.GetProperty("status").GetInt32());
        Assert.Equal("https://peervault.dev/problems/not-found", gone.Error.GetProperty("type").GetString());
        Assert.False(File.Exists(Path.Combine(cli.Scratch.Path, "gone.bin")));
        Assert.Equal(3, (await cli.RunAsync("stat", "docs/report 1.bin")).ExitCode);
        Assert.Equal(3, (await cli.RunAsync("rm", "docs/report 1.bin")).ExitCode);
    }

    [Fact]
    public async Task Put_reads_standard_input_and_ls_lists_it_in_a_table()
    {
        var put = await CliProcess.RunAsync(["put", "stdin/hello.txt", "-"], cli.Environment(), new MemoryStream("hello from a pipe"u8.ToArray()), cli.Scratch.Path);
        Assert.Equal(0, put.ExitCode);
        Assert.Contains("Stored stdin/hello.txt: 17 B", put.Stdout, StringComparison.Ordinal);

        var ls = await cli.RunAsync("ls", "--prefix", "stdin/");
        Assert.Equal(0, ls.ExitCode);
        Assert.Contains("stdin/hello.txt", ls.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 object(s), 17 B", ls.Stdout, StringComparison.Ordinal);

        var cat = await cli.RunAsync("get", "stdin/hello.txt");
        Assert.Equal("hello from a pipe", cat.Stdout);
    }

    [Fact]
    public async Task Ls_follows_next_across_pages_and_stops_at_limit()
    {
        for (var i = 0; i < 5; i++)
        {
            using var response = await cli.Cluster.Nodes[i % 3].Http.PutAsync($"/v1/objects/paged/{i}", new ByteArrayContent([(byte)i]), TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }

        var all = await cli.RunAsync("ls", "--prefix", "paged/", "--page-size", "2", "--json");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(["paged/0", "paged/1", "paged/2", "paged/3", "paged/4"], all.Json.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()));
        Assert.Equal(JsonValueKind.Null, all.Json.GetProperty("next").ValueKind);

        var first = await cli.RunAsync("ls", "--prefix", "paged/", "--limit", "3", "--json");
        Assert.Equal(3, first.Json.GetProperty("objects").GetArrayLength());
        var next = first.Json.GetProperty("next").GetString()!;
        var rest = await cli.RunAsync("ls", "--prefix", "paged/", "--after", next, "--json");
        Assert.Equal(["paged/3", "paged/4"], rest.Json.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task Cluster_shows_every_member_alive()
    {
        var json = await cli.RunAsync("cluster", "--json");
        Assert.Equal(0, json.ExitCode);
        var members = json.Json.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(["node1", "node2", "node3"], members.Select(m => m.GetProperty("name").GetString()).Order());
        Assert.All(members, m => Assert.Equal("alive", m.GetProperty("state").GetString()));
        Assert.True(json.Json.GetProperty("node").GetProperty("disk").GetProperty("totalBytes").GetInt64() > 0);

        var table = await cli.RunAsync("cluster");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("node1 (this node)", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("under-replicated", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_passes_through_every_endpoint_and_fails_on_a_closed_one()
    {
        using var seeded = await cli.Cluster.Nodes[0].Http.PutAsync("/v1/objects/doctor/sample", new ByteArrayContent([1, 2, 3]), TestContext.Current.CancellationToken);
        seeded.EnsureSuccessStatusCode();

        var healthy = await cli.RunAsync("doctor", "--endpoint", cli.AllEndpoints, "--json");
        Assert.Equal(0, healthy.ExitCode);
        Assert.True(healthy.Json.GetProperty("healthy").GetBoolean());
        var findings = healthy.Json.GetProperty("findings").EnumerateArray().ToList();
        foreach (var check in new[] { "ready", "clock", "auth", "members", "disk" })
        {
            Assert.Equal(3, findings.Count(f => f.GetProperty("check").GetString() == check));
        }

        Assert.Contains(findings, f => f.GetProperty("check").GetString() == "agreement" && f.GetProperty("status").GetString() == "ok");

        var closed = $"http://127.0.0.1:{FreePort.Next()}";
        var broken = await cli.RunAsync("doctor", "--endpoint", $"{cli.Endpoint()},{closed}");
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("fail", broken.Stdout, StringComparison.Ordinal);
        Assert.Contains("Start the node", broken.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_writes_and_reads_then_cleans_up()
    {
        var bench = await cli.RunAsync("bench", "--only", "small", "--count", "8", "--size", "4KiB", "--concurrency", "2", "--prefix", "bench-test/", "--json");
        Assert.Equal(0, bench.ExitCode);
        var phases = bench.Json.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(8, phases["small put c2"].GetProperty("operations").GetInt32());
        Assert.Equal(8, phases["small get c2"].GetProperty("verified").GetInt32());
        Assert.Equal(8, phases["small delete c2"].GetProperty("operations").GetInt32());
        Assert.Equal(0, bench.Json.GetProperty("errors").GetInt32());

        var left = await cli.RunAsync("ls", "--prefix", "bench-test/", "--json");
        Assert.Equal(0, left.Json.GetProperty("objects").GetArrayLength());
    }

    [Fact]
    public async Task A_wrong_key_is_unauthorised_and_a_read_only_key_degrades_stat()
    {
        using var seeded = await cli.Cluster.Nodes[0].Http.PutAsync("/v1/objects/auth/x", new ByteArrayContent([1]), TestContext.Current.CancellationToken);
        seeded.EnsureSuccessStatusCode();

        var wrong = await CliProcess.RunAsync(["ls", "--json"], cli.Environment(apiKey: "not-the-key-at-all-0000"), workingDirectory: cli.Scratch.Path);
        Assert.Equal(4, wrong.ExitCode);
        Assert.Equal("unauthorized", wrong.Error.GetProperty("kind").GetString());
        Assert.Equal(401, wrong.Error.GetProperty("status").GetInt32());
        Assert.Empty(wrong.StdoutBytes);

        var human = await CliProcess.RunAsync(["stat", "auth/x", "--api-key", "not-the-key-at-all-0000"], cli.Environment(), workingDirectory: cli.Scratch.Path);
        Assert.Equal(4, human.ExitCode);
        Assert.StartsWith("peervault: ", human.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", human.Stderr, StringComparison.Ordinal);

        var reader = cli.Environment(apiKey: CliCluster.ReaderKey);
        var stat = await CliProcess.RunAsync(["stat", "auth/x", "--json"], reader, workingDirectory: cli.Scratch.Path);
        Assert.Equal(0, stat.ExitCode);
        Assert.Contains("admin key", stat.Json.GetProperty("note").GetString(), StringComparison.Ordinal);

        var forbidden = await CliProcess.RunAsync(["cluster"], reader, workingDirectory: cli.Scratch.Path);
        Assert.Equal(4, forbidden.ExitCode);
        var cannotWrite = await CliProcess.RunAsync(["rm", "auth/x", "--json"], reader, workingDirectory: cli.Scratch.Path);
        Assert.Equal(403, cannotWrite.Error.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_closed_port_is_unreachable_and_a_bad_command_line_is_bad_usage()
    {
        var closed = $"http://127.0.0.1:{FreePort.Next()}";
        var unreachable = await CliProcess.RunAsync(["cluster", "--json", "--endpoint", closed], cli.Environment(), workingDirectory: cli.Scratch.Path);
        Assert.Equal(5, unreachable.ExitCode);
        Assert.Equal("unreachable", unreachable.Error.GetProperty("kind").GetString());

        // The next endpoint in the list is tried when one cannot be reached.
        var failover = await CliProcess.RunAsync(["cluster", "--json", "--endpoint", $"{closed},{cli.Endpoint(1)}"], cli.Environment(), workingDirectory: cli.Scratch.Path);
        Assert.Equal(0, failover.ExitCode);
        Assert.Equal("node2", failover.Json.GetProperty("node").GetProperty("name").GetString());

        Assert.Equal(2, (await cli.RunAsync("get")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("get", "k", "--range", "ten-twenty")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("no-such-command")).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(["ls"], workingDirectory: cli.Scratch.Path)).ExitCode);

        // An invalid key is the node's 400, reported as bad usage with the node's reason.
        var badKey = await cli.RunAsync("put", "bad\u200Bkey", "-");
        Assert.Equal(2, badKey.ExitCode);
        Assert.Contains("U+200B", badKey.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_that_accepts_but_never_answers_is_unreachable_after_the_timeout_and_the_next_one_is_tried()
    {
        // What a proxy in front of a dead node looks like: the connection is accepted, nothing answers.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<System.Net.Sockets.Socket>();
        var accepting = Task.Run(
            async () =>
            {
                while (true)
                {
                    held.Add(await silent.AcceptSocketAsync(TestContext.Current.CancellationToken));
                }
            },
            TestContext.Current.CancellationToken);
        var mute = $"http://127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}";
        var environment = new Dictionary<string, string?>(cli.Environment()) { ["PEERVAULT_TIMEOUT_SECONDS"] = "2" };

        var alone = await CliProcess.RunAsync(["cluster", "--json", "--endpoint", mute], environment, workingDirectory: cli.Scratch.Path);
        var failover = await CliProcess.RunAsync(["cluster", "--json", "--endpoint", $"{mute},{cli.Endpoint(1)}"], environment, workingDirectory: cli.Scratch.Path);

        Assert.Equal(5, alone.ExitCode);
        Assert.Contains("no answer within 2 s", alone.Error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, failover.ExitCode);
        Assert.Equal("node2", failover.Json.GetProperty("node").GetProperty("name").GetString());
        silent.Stop();
        foreach (var socket in held)
        {
            socket.Dispose();
        }

        await accepting.ContinueWith(_ => { }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Every_command_has_help_ending_with_the_exit_codes()
    {
        foreach (var command in new[] { "put", "get", "ls", "rm", "stat", "cluster", "doctor", "bench", "completion" })
        {
            var help = await CliProcess.RunAsync([command, "--help"], workingDirectory: cli.Scratch.Path);
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("Usage:", help.Stdout, StringComparison.Ordinal);
            Assert.Contains("4  unauthorised", help.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Completion_suggests_commands_and_prints_a_shell_script()
    {
        var suggest = await CliProcess.RunAsync(["[suggest:12]", "peervault st"], workingDirectory: cli.Scratch.Path);
        Assert.Equal(0, suggest.ExitCode);
        Assert.Contains("stat", suggest.Stdout.Split('\n').Select(l => l.Trim()));

        var bash = await CliProcess.RunAsync(["completion", "bash"], workingDirectory: cli.Scratch.Path);
        Assert.Equal(0, bash.ExitCode);
        Assert.Contains("complete -o default -F _peervault_complete peervault", bash.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_connection_file_supplies_endpoints_and_key()
    {
        var file = Path.Combine(cli.Scratch.Path, "connection.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { endpoints = new[] { cli.Endpoint(2) }, apiKey = cli.Cluster.Secrets.ApiKey }), TestContext.Current.CancellationToken);

        var viaVariable = await CliProcess.RunAsync(["cluster", "--json"], new Dictionary<string, string?> { ["PEERVAULT_CONNECTION_FILE"] = file }, workingDirectory: cli.Scratch.Path);
        Assert.Equal(0, viaVariable.ExitCode);
        Assert.Equal("node3", viaVariable.Json.GetProperty("node").GetProperty("name").GetString());

        // As after `dotnet run --project PeerVault.AppHost`: found from a folder inside the repository.
        var repository = Path.Combine(cli.Scratch.Path, "repo");
        Directory.CreateDirectory(Path.Combine(repository, "PeerVault.AppHost", ".data"));
        Directory.CreateDirectory(Path.Combine(repository, "src", "deep"));
        File.Copy(file, Path.Combine(repository, "PeerVault.AppHost", ".data", "cli.json"));
        var found = await CliProcess.RunAsync(["cluster", "--json"], workingDirectory: Path.Combine(repository, "src", "deep"));
        Assert.Equal(0, found.ExitCode);
        Assert.Equal("node3", found.Json.GetProperty("node").GetProperty("name").GetString());
    }
}
