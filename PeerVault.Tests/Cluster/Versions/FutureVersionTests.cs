using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;
using PeerVault.Tests.Infrastructure;

namespace PeerVault.Tests.Cluster.Versions;

/// <summary>
/// A version far in the future must not get into a node: it would win every later write of its key
/// (last writer wins) and drag the node's clock along. A client cannot make one (the node stamps
/// versions itself), and a test cannot honestly run a node process on a skewed clock, so this is
/// the node's receiving path: a real in-process node, and a peer that knows the auth token dialing
/// its P2P port and sending entries stamped a day ahead, over the real protocol.
/// </summary>
[Trait("Category", "InProcess")]
public sealed class FutureVersionTests
{
    private static readonly TimeSpan Reply = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replica_or_tombstone_from_a_peer_stamped_a_day_ahead_is_refused_and_later_client_writes_still_win()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var node = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, settings: new Dictionary<string, string?>
        {
            // The peer below becomes a member; W=1 lets node1 acknowledge alone whatever the peer answers.
            ["PEERVAULT_WRITE_QUORUM"] = "1",
            ["PEERVAULT_MAX_CLOCK_SKEW_SECONDS"] = "300",
        });
        var honest = await node.Http.PutObjectAsync("pinned", "the honest bytes"u8.ToArray());
        var honestVersion = honest.GetProperty("version").GetString();

        await using var peer = await FakePeer.ConnectAsync(node, secrets);
        var dayAhead = peer.VersionAt(DateTimeOffset.UtcNow.AddDays(1));

        // A tombstone from the future would delete the key for a day, whatever is written meanwhile.
        var tombstone = new WireEntry("pinned", dayAhead, null, 0, 0, Deleted: true, DateTimeOffset.UtcNow);
        await AssertRefusedAsync(() => peer.Session.RequestAsync(new StoreTombstone(tombstone), Reply, Ct), "a tombstone of 'pinned' stamped a day ahead");

        // So would a replica, and it would bring bytes nobody wrote.
        var (forged, blobId) = await FakePeer.SealAsync(node, "bytes from the future"u8.ToArray());
        var replica = new WireEntry("pinned", dayAhead, blobId, "bytes from the future"u8.Length, forged.Length, Deleted: false, DateTimeOffset.UtcNow);
        await AssertRefusedAsync(() => peer.Session.SendStreamAsync(new StoreReplica(replica), new MemoryStream(forged), Reply, Ct), "a replica of 'pinned' stamped a day ahead");
        var elsewhere = replica with { Key = "from-the-future" };
        await AssertRefusedAsync(() => peer.Session.SendStreamAsync(new StoreReplica(elsewhere), new MemoryStream(forged), Reply, Ct), "a replica of a new key stamped a day ahead");

        // What a client sees: nothing changed, nothing of the forgery is kept.
        var read = await node.Http.GetAsync("/v1/objects/pinned", Ct);
        Assert.True(read.StatusCode == HttpStatusCode.OK, $"'pinned' still reads after the refused entries: {(int)read.StatusCode}");
        Assert.Equal("the honest bytes"u8.ToArray(), await read.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(honestVersion, read.Headers.TryGetValues("X-PeerVault-Version", out var v) ? v.Single() : null);
        using (var missing = await node.Http.GetAsync("/v1/objects/from-the-future", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        Assert.False(node.Store.Blobs.Exists(BlobId.Parse(blobId)), "The refused replica's blob is not kept");

        // The clock was not dragged a day ahead: the next client write is stamped now, and wins.
        var later = await node.Http.PutObjectAsync("pinned", "written after the attempt"u8.ToArray());
        var laterVersion = later.GetProperty("version").GetString()!;
        Assert.True(string.CompareOrdinal(laterVersion, dayAhead) < 0, $"A write after the refused entries is stamped {laterVersion}, not after the forged {dayAhead}");
        Assert.True(string.CompareOrdinal(laterVersion, honestVersion) > 0, $"A later write is newer ({laterVersion}) than the first ({honestVersion})");
        Assert.Equal("written after the attempt"u8.ToArray(), await node.Http.GetObjectAsync("pinned"));
    }

    [Fact]
    public async Task A_replica_a_little_ahead_within_the_allowed_skew_is_kept_and_the_next_client_write_is_stamped_after_it()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var node = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, settings: new Dictionary<string, string?>
        {
            ["PEERVAULT_WRITE_QUORUM"] = "1",
            ["PEERVAULT_MAX_CLOCK_SKEW_SECONDS"] = "300",
        });
        await using var peer = await FakePeer.ConnectAsync(node, secrets);

        // A peer whose clock is a minute fast is within the limit: its write is a write.
        var minuteAhead = peer.VersionAt(DateTimeOffset.UtcNow.AddMinutes(1));
        var (sealedBytes, blobId) = await FakePeer.SealAsync(node, "from a fast clock"u8.ToArray());
        var replica = new WireEntry("skewed", minuteAhead, blobId, "from a fast clock"u8.Length, sealedBytes.Length, Deleted: false, DateTimeOffset.UtcNow);
        var stored = await peer.Session.SendStreamAsync(new StoreReplica(replica), new MemoryStream(sealedBytes), Reply, Ct);
        Assert.Equal("applied", stored.Outcome);
        Assert.Equal("from a fast clock"u8.ToArray(), await node.Http.GetObjectAsync("skewed"));

        // The node's clock moved past it, so a client's overwrite right after still wins.
        var overwrite = await node.Http.PutObjectAsync("skewed", "overwritten by a client"u8.ToArray());
        var version = overwrite.GetProperty("version").GetString()!;
        Assert.True(string.CompareOrdinal(version, minuteAhead) > 0, $"The client's overwrite is stamped {version}, after the replica's {minuteAhead}");
        Assert.Equal("overwritten by a client"u8.ToArray(), await node.Http.GetObjectAsync("skewed"));
    }

    [Fact]
    public async Task Versions_a_peer_only_names_move_the_clock_past_them_unless_they_are_too_far_ahead()
    {
        using var directory = new TempDirectory();
        var secrets = ClusterSecrets.Generate();
        await using var node = await TestNode.StartAsync("node1", directory.Sub("node1"), secrets, settings: new Dictionary<string, string?>
        {
            ["PEERVAULT_WRITE_QUORUM"] = "1",
            ["PEERVAULT_MAX_CLOCK_SKEW_SECONDS"] = "300",
        });
        await using var peer = await FakePeer.ConnectAsync(node, secrets);

        // Anti-entropy: the versions a peer says it holds. The day-ahead one does not stop the comparison.
        var compared = peer.VersionAt(DateTimeOffset.UtcNow.AddSeconds(60));
        var dayAhead = peer.VersionAt(DateTimeOffset.UtcNow.AddDays(1));
        var partition = KeyPartition.Of("mentioned/compared");
        var differ = await peer.Session.RequestAsync(new CompareEntries([partition], [new EntryVersion("mentioned/compared", compared)]), Reply, Ct);
        Assert.Contains("mentioned/compared", differ.Wanted);
        await AssertNextWriteIsAfterAsync(node, compared, "a version the peer holds, named in compare-entries");
        differ = await peer.Session.RequestAsync(new CompareEntries([partition], [new EntryVersion("mentioned/compared", dayAhead)]), Reply, Ct);
        Assert.Contains("mentioned/compared", differ.Wanted);

        // A fetch names the version the peer wants; a tombstone collection the version it forgets.
        var fetched = peer.VersionAt(DateTimeOffset.UtcNow.AddSeconds(90));
        await Assert.ThrowsAsync<PeerRequestException>(() => peer.Session.RequestStreamAsync(new FetchObject("mentioned/fetched", fetched), Reply, Ct));
        await AssertNextWriteIsAfterAsync(node, fetched, "a version named in fetch-object");
        var forgotten = peer.VersionAt(DateTimeOffset.UtcNow.AddSeconds(120));
        Assert.False((await peer.Session.RequestAsync(new ForgetIfVersion("mentioned/forgotten", forgotten), Reply, Ct)).Done);
        await AssertNextWriteIsAfterAsync(node, forgotten, "a version named in forget-if-version");

        // The day-ahead version was not followed.
        var later = await node.Http.PutObjectAsync("mentioned/written", "after"u8.ToArray());
        Assert.True(string.CompareOrdinal(later.GetProperty("version").GetString(), dayAhead) < 0, "The clock did not follow a version a day ahead");
    }

    private static async Task AssertNextWriteIsAfterAsync(TestNode node, string version, string what)
    {
        var written = (await node.Http.PutObjectAsync("mentioned/written", "after"u8.ToArray())).GetProperty("version").GetString()!;
        Assert.True(string.CompareOrdinal(written, version) > 0, $"The write after {what} ({version}) is stamped {written}, not after it");
    }

    private static async Task AssertRefusedAsync<T>(Func<Task<T>> send, string what)
    {
        T accepted;
        try
        {
            accepted = await send();
        }
        catch (PeerRequestException refusal)
        {
            Assert.True(refusal.Code == PeerError.VersionFromFuture, $"{what} must be refused as {PeerError.VersionFromFuture}; the node answered {refusal.Code}: {refusal.Message}");
            return;
        }

        Assert.Fail($"{what} must be refused as {PeerError.VersionFromFuture}; the node took it: {accepted}");
    }

    /// <summary>A peer that holds nothing: it passes the handshake with the cluster's auth token and answers every request politely.</summary>
    private sealed class FakePeer : IAsyncDisposable, IPeerRequestHandler
    {
        private readonly TcpClient _client;

        private FakePeer(TcpClient client, NodeIdentity self, PeerSession session)
        {
            _client = client;
            Self = self;
            Session = session;
        }

        public NodeIdentity Self { get; }

        public PeerSession Session { get; }

        public static async Task<FakePeer> ConnectAsync(TestNode node, ClusterSecrets secrets)
        {
            var client = new TcpClient { NoDelay = true };
            await client.ConnectAsync(IPAddress.Loopback, node.P2PPort, Ct);
            var connection = new FrameConnection(client.GetStream());
            var self = new NodeIdentity(Guid.NewGuid(), "peer-from-the-future");
            var handshake = new Handshake(self, secrets.KeyIds, AuthToken.Parse(secrets.AuthToken), TimeProvider.System, new ReplayCache(TimeProvider.System, Handshake.MaxClockSkew));
            var result = await handshake.DialAsync(connection, node.Name, Ct);
            connection.Seal(result.Sealer);
            var session = new PeerSession(connection, result, client.Client.RemoteEndPoint, TimeProvider.System, NullLogger.Instance);
            var peer = new FakePeer(client, self, session);
            session.Start(peer);
            return peer;
        }

        /// <summary>A version this peer would stamp at <paramref name="time"/>.</summary>
        public string VersionAt(DateTimeOffset time) => new ObjectVersion(time.ToUnixTimeMilliseconds(), 0, Self.Id).ToString();

        /// <summary>Seals bytes under the cluster key (as the node would) and names them by their hash.</summary>
        public static async Task<(byte[] Sealed, string BlobId)> SealAsync(TestNode node, byte[] plaintext)
        {
            using var output = new MemoryStream();
            await node.Store.Cipher.SealAsync(new MemoryStream(plaintext), output, Ct);
            var bytes = output.ToArray();
            return (bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }

        public async Task HandleAsync(PeerSession session, IncomingRequest request, CancellationToken cancellationToken)
        {
            if (request.Body is { } body)
            {
                await body.CompleteAsync();
            }

            PeerMessage reply = request.Message switch
            {
                ExchangeMembers => new MemberList([]),
                GetEntry => new EntryInfo(null, false),
                _ => new PeerError(PeerError.Unsupported, "This peer holds nothing."),
            };
            await session.ReplyAsync(request, reply, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await Session.DisposeAsync();
            _client.Dispose();
        }
    }
}
