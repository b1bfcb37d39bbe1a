using System.Diagnostics;
using PeerVault.Node.Cluster;
using PeerVault.Node.Cluster.Versions;
using PeerVault.Node.Diagnostics;
using PeerVault.Node.Net;
using PeerVault.Node.Net.Rpc;
using PeerVault.Node.Security;
using PeerVault.Node.Storage;

namespace PeerVault.Fuzz.Harnesses;

/// <summary>
/// The peer message codec (<see cref="EnvelopeCodec"/>, every <see cref="PeerMessage"/> type) and the
/// checks a receiver applies to what a message carries. Input: a message frame's payload. It must
/// decode or be refused with <see cref="PeerProtocolException"/>; a decoded message has no null
/// where its type says there is none, re-encodes to bytes that decode to the same encoding (a fixed
/// point), and its entries, versions, digests, keys and trace context are either accepted or refused
/// with the receiver's own exceptions (<see cref="InvalidEntryException"/>,
/// <see cref="VersionFromFutureException"/>); an accepted entry goes back on the wire unchanged.
/// </summary>
internal sealed class MessageHarness : IHarness
{
    private static readonly Guid Peer = new("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    private static readonly NodeTracing Tracing = new(new NodeIdentity(Guid.Empty, "fuzz"));
    private static readonly ActivityListener Listener = Listen();

    public string Name => "messages";

    public string Description => "peer message codec (EnvelopeCodec, all PeerMessage types) and the receiver's checks: PeerProtocolException only, no unexpected nulls, encode/decode fixed point, entries valid or refused";

    public void Run(ReadOnlySpan<byte> input)
    {
        GC.KeepAlive(Listener);
        Trailer(input);
        Envelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(input, FrameType.Message);
        }
        catch (PeerProtocolException)
        {
            return;
        }

        if (WireNulls.Find(envelope, "envelope") is { } nullAt)
        {
            throw new FuzzFinding($"Decoded a message with null at {nullAt}.");
        }

        var encoded = EnvelopeCodec.Encode(envelope);
        var again = EnvelopeCodec.Encode(EnvelopeCodec.Decode(encoded, FrameType.Message));
        FuzzFinding.Check(encoded.AsSpan().SequenceEqual(again), "A decoded message does not re-encode to a fixed point.");

        using (Tracing.StartPeerServer("Fuzz", null, envelope.TraceParent, envelope.TraceState, "peer", null))
        {
        }

        Receive(envelope.Body);
    }

    /// <summary>What a receiver checks in each message (PeerRequestHandler, ReplicaClient, MembershipService, PeerSession's pongs).</summary>
    private static void Receive(PeerMessage message)
    {
        var clock = new HybridClock(FixedTime.Instance, Guid.Empty, TimeSpan.FromSeconds(30));
        switch (message)
        {
            case StoreReplica replica:
                Entry(replica.Entry, clock);
                break;
            case Pong pong:
                // Any two times a peer sends: a sample or none, never an exception.
                if (ClockSample.FromExchange(pong.PingSentAt, pong.SentAt, FixedTime.Now.ToUnixTimeMilliseconds()) is { } sample)
                {
                    new ClockOffsetEstimator().Add(sample);
                }

                break;
            case StoreTombstone tombstone:
                Entry(tombstone.Entry, clock);
                break;
            case ReplicateObject replicate:
                ObjectKey.Validate(replicate.Key, out _);
                break;
            case ObjectFound found:
                Entry(found.Entry, clock);
                break;
            case EntryInfo { Entry: { } entry }:
                Entry(entry, clock);
                break;
            case KeyPage page:
                page.Entries.ToList().ForEach(e => Entry(e, clock));
                break;
            case EntriesDiffer differ:
                differ.Newer.ToList().ForEach(e => Entry(e, clock));
                differ.Wanted.ToList().ForEach(k => ObjectKey.Validate(k, out _));
                break;
            case GetEntry get:
                ObjectKey.Validate(get.Key, out _);
                break;
            case FetchObject fetch:
                ObjectKey.Validate(fetch.Key, out _);
                Version(fetch.Version, clock);
                break;
            case ForgetIfVersion forget:
                ObjectKey.Validate(forget.Key, out _);
                Version(forget.Version, clock);
                break;
            case CompareEntries compare:
                compare.Entries.ToList().ForEach(e => Version(e.Version, clock));
                break;
            case ComparePartitions compare:
                compare.Digests.ToList().ForEach(Digest);
                break;
        }
    }

    /// <summary>The entry that ends a replicate-object stream (<see cref="EntryTrailer"/>): decoded or refused as malformed, then checked as an entry.</summary>
    private static void Trailer(ReadOnlySpan<byte> input)
    {
        WireEntry wire;
        try
        {
            wire = EntryTrailer.Decode(input);
        }
        catch (PeerProtocolException)
        {
            return;
        }

        if (WireNulls.Find(wire, "trailer") is { } nullAt)
        {
            throw new FuzzFinding($"Decoded a trailer with null at {nullAt}.");
        }

        Entry(wire, new HybridClock(FixedTime.Instance, Guid.Empty, TimeSpan.FromSeconds(30)));
    }

    private static void Entry(WireEntry wire, HybridClock clock)
    {
        IndexEntry entry;
        try
        {
            entry = wire.FromWire(clock);
        }
        catch (Exception ex) when (ex is InvalidEntryException or VersionFromFutureException)
        {
            return;
        }

        var back = entry.ToWire();
        FuzzFinding.Check(back.Key == wire.Key && WireEntries.ParseVersion(back.Version) == entry.Version && back.Deleted == wire.Deleted, "An accepted entry does not go back on the wire as it came.");
        FuzzFinding.Check(entry.Deleted || (back.BlobId == wire.BlobId && back.Size == wire.Size && back.SealedLength == wire.SealedLength), "An accepted live entry lost its blob or sizes.");
    }

    private static void Digest(string text)
    {
        if (PartitionDigest.TryParse(text, out var digest))
        {
            FuzzFinding.Check(PartitionDigest.TryParse(digest.ToString(), out var again) && again == digest, $"Digest {text} does not survive its text form.");
        }
    }

    /// <summary>A version a peer only names: parsed or refused, and observed by the clock unless too far ahead (never thrown).</summary>
    private static void Version(string? text, HybridClock clock)
    {
        if (text is null)
        {
            return;
        }

        try
        {
            var version = WireEntries.ParseVersion(text);
            FuzzFinding.Check(WireEntries.ParseVersion(version.ToString()) == version, $"Version {text} does not survive its text form.");
            FuzzFinding.Check(clock.TryObserve(version) == clock.IsAcceptable(version), $"Version {text} was observed although too far ahead, or refused although within the skew.");
        }
        catch (InvalidEntryException)
        {
            // Refused as it should be.
        }
    }

    private static ActivityListener Listen()
    {
        // Every span is created, so the trace context a peer sends is parsed as in a traced node.
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == NodeTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds()
    {
        var version = new ObjectVersion(FixedTime.Now.ToUnixTimeMilliseconds() - 1000, 3, Peer).ToString();
        var live = new WireEntry("photos/2026/café.jpg", version, new string('a', 64), 1234, 2000, false, FixedTime.Now);
        var tombstone = new WireEntry("notes/old.txt", version, null, 0, 0, true, FixedTime.Now);
        var member = new WireMember(Peer, "node2", "10.0.0.2", 7000, 4, FixedTime.Now, false);
        PeerMessage[] messages =
        [
            new Ping(FixedTime.Now.ToUnixTimeMilliseconds()),
            new Pong(FixedTime.Now.ToUnixTimeMilliseconds() - 3, FixedTime.Now.ToUnixTimeMilliseconds() + 20_000),
            new PeerError(PeerError.NotFound, "No copy here."),
            new ExchangeMembers([member]),
            new MemberList([member, member with { Id = Guid.Empty, Name = "node3", Host = null, Removed = true }]),
            new StoreReplica(live),
            new ReplicaStored("applied"),
            new StoreTombstone(tombstone),
            new TombstoneStored("applied"),
            new GetEntry("photos/2026/café.jpg"),
            new EntryInfo(live, true),
            new EntryInfo(null, false),
            new FetchObject("photos/2026/café.jpg", version),
            new ObjectFound(live),
            new ListKeys("photos/", null, 100),
            new KeyPage([live, tombstone], true),
            new ComparePartitions([0, 17], ["0123456789abcdef0123456789abcdef", "00000000000000000000000000000000"]),
            new PartitionsDiffer([17]),
            new CompareEntries([17], [new EntryVersion("notes/old.txt", version)]),
            new EntriesDiffer([live], ["notes/old.txt"], false),
            new ForgetIfVersion("notes/old.txt", version),
            new Forgotten(true),
            new ReplicateObject("photos/2026/café.jpg", 1234, 2000),
        ];
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        foreach (var (message, index) in messages.Select((m, i) => (m, i)))
        {
            var name = $"{index:00}-{message.GetType().Name}";
            yield return (name, EnvelopeCodec.Encode(new Envelope(7, 0, traceParent, "congo=t61rcWkgMzE", message)));
        }

        yield return ($"{messages.Length:00}-EntryTrailer", EntryTrailer.Encode(live));
    }
}
