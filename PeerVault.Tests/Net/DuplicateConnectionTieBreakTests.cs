using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PeerVault.Node.Net;
using PeerVault.Node.Security;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Net;

/// <summary>
/// Two nodes that dial each other at once end up with two connections; <see cref="PeerConnections"/>
/// keeps the one dialed by the node with the smaller id on both sides, without a word between them,
/// and closes the other quietly (expected churn is logged at Debug, never as a warning).
/// </summary>
[Trait("Category", "InProcess")]
public sealed class DuplicateConnectionTieBreakTests
{
    private static readonly string[] TcpTables = ["/proc/net/tcp", "/proc/net/tcp6"];

    public enum Order
    {
        SmallerDialsFirst,
        LargerDialsFirst,
        Together,
    }

    [Theory]
    [InlineData(Order.SmallerDialsFirst)]
    [InlineData(Order.LargerDialsFirst)]
    [InlineData(Order.Together)]
    public async Task Both_sides_keep_the_one_connection_the_smaller_id_dialed_and_close_the_other_quietly(Order order)
    {
        using var directory = new TempDirectory("peervault-tiebreak");
        var secrets = ClusterSecrets.Generate();
        // Debug too, so the test sees where the loser's end is logged (appsettings stop at Information).
        var debugLogs = new Dictionary<string, string?> { ["Logging:LogLevel:PeerVault"] = "Debug" };
        await using var nodeA = await TestNode.StartAsync("node-a", directory.Sub("a"), secrets, settings: debugLogs);
        await using var nodeB = await TestNode.StartAsync("node-b", directory.Sub("b"), secrets, settings: debugLogs);
        var (smaller, larger) = IdOf(nodeA).CompareTo(IdOf(nodeB)) < 0 ? (nodeA, nodeB) : (nodeB, nodeA);
        var cancellation = TestContext.Current.CancellationToken;

        Task<PeerSession> SmallerDials() => smaller.Peers.DialAsync("127.0.0.1", larger.P2PPort, larger.Name, cancellation);
        Task<PeerSession> LargerDials() => larger.Peers.DialAsync("127.0.0.1", smaller.P2PPort, smaller.Name, cancellation);
        switch (order)
        {
            case Order.SmallerDialsFirst:
                await SmallerDials();
                await LargerDials();
                break;
            case Order.LargerDialsFirst:
                await LargerDials();
                await SmallerDials();
                break;
            default:
                await Task.WhenAll(SmallerDials(), LargerDials());
                break;
        }

        // A listener registers an inbound connection just after the dialer's handshake ends, and a loser
        // closes once drained: wait until both sides have settled on one connection.
        await Poll.UntilAsync(
            () => smaller.Peers.TryGet(IdOf(larger), out var kept) && kept.IsDialer
                && larger.Peers.TryGet(IdOf(smaller), out var keptByLarger) && !keptByLarger.IsDialer
                && OpenConnections(smaller.P2PPort, larger.P2PPort).Count == 1,
            "both nodes keep the connection the smaller id dialed, and only it is open");

        // The smaller node dialed the larger one's listener; the larger node accepted it: one connection, seen from both ends.
        smaller.Peers.TryGet(IdOf(larger), out var onSmaller);
        larger.Peers.TryGet(IdOf(smaller), out var onLarger);
        Assert.Equal(larger.P2PPort, ((IPEndPoint)onSmaller.RemoteEndPoint!).Port);
        var open = Assert.Single(OpenConnections(smaller.P2PPort, larger.P2PPort));
        Assert.Equal((larger.P2PPort, ((IPEndPoint)onLarger.RemoteEndPoint!).Port), open);

        // Expected churn: the loser's end is a Debug line, never a warning or an information line.
        var lines = smaller.Logs.Lines.Concat(larger.Logs.Lines).ToList();
        Assert.DoesNotContain(lines, l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("Information", StringComparison.Ordinal) && l.Contains("ended", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Debug", StringComparison.Ordinal) && l.Contains("ended:", StringComparison.Ordinal));
    }

    /// <summary>
    /// The kernel's view of the TCP connections that have either node's listener as their local end
    /// (the accepted end of a connection), as (local port, remote port): a loser closed on one side
    /// only would still be here, half-closed. TIME_WAIT entries are connections already closed.
    /// </summary>
    private static List<(int Local, int Remote)> OpenConnections(params int[] listenPorts)
    {
        const string Listen = "0A", TimeWait = "06";
        return [.. TcpTables
            .Where(File.Exists)
            .SelectMany(table => File.ReadLines(table).Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 3 && f[3] is not Listen and not TimeWait)
            .Select(f => (Local: PortOf(f[1]), Remote: PortOf(f[2])))
            .Where(c => listenPorts.Contains(c.Local))];
    }

    private static int PortOf(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static Guid IdOf(TestNode node) => node.Services.GetRequiredService<NodeIdentity>().Id;
}
