using PeerVault.Load.Bench;
using Spectre.Console;

namespace PeerVault.Tests.Load;

[Trait("Category", "Unit")]
public sealed class BenchOptionsTests
{
    [Fact]
    public void Defaults_start_a_four_node_cluster_and_run_every_phase()
    {
        var options = BenchOptions.Parse([]);
        Assert.True(options.Local);
        Assert.Equal(4, options.Nodes);
        Assert.Equal(256L << 20, options.LargeBytes);
        Assert.Equal([1, 8, 32, 128], options.Concurrency);
        Assert.All(BenchPhases.All, phase => Assert.True(options.Runs(phase)));
        Assert.Equal("bench-result.json", options.ResultPath);
    }

    [Fact]
    public void Options_are_read_and_endpoints_may_repeat_or_be_comma_separated()
    {
        var options = BenchOptions.Parse(["--endpoint", "http://a:1", "--endpoint", "http://b:2,http://c:3", "--api-key", "k", "--large-mb", "16", "--concurrency", "2,4", "--duration", "3s", "--only", "small,list", "--node-env", "X=1", "--json", "out.json"]);
        Assert.Equal(["http://a:1/", "http://b:2/", "http://c:3/"], options.Endpoints.Select(e => e.ToString()));
        Assert.False(options.Local);
        Assert.Equal(16L << 20, options.LargeBytes);
        Assert.Equal([2, 4], options.Concurrency);
        Assert.Equal(TimeSpan.FromSeconds(3), options.PhaseDuration);
        Assert.True(options.Runs(BenchPhases.Small));
        Assert.False(options.Runs(BenchPhases.Large));
        Assert.Equal("1", options.NodeEnvironment["X"]);
        Assert.Equal("out.json", options.ResultPath);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--only", "large,fast")]
    [InlineData("--concurrency", "8,0")]
    [InlineData("--nodes", "17")]
    [InlineData("--large-mb")]
    [InlineData("--duration", "soon")]
    [InlineData("--node-env", "NOEQUALS")]
    [InlineData("--endpoint", "ftp://x")]
    public async Task A_bad_command_line_exits_2_with_the_reason_and_the_usage(params string[] args)
    {
        var error = new StringWriter();
        var exit = await BenchMain.RunAsync(args, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) }), error);
        Assert.Equal(2, exit);
        Assert.Contains("usage: PeerVault.Load bench", error.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(args));
    }

    [Fact]
    public void Endpoints_without_an_api_key_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new BenchOptions { Endpoints = [new Uri("http://a:1")], ApiKey = null }.Validate());
        Assert.Contains("--api-key", error.Message, StringComparison.Ordinal);
    }
}
