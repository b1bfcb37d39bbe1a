using CsCheck;
using PeerVault.Node.Net.Rpc;

namespace PeerVault.Tests.Net.Rpc;

/// <summary>Generators for every peer message type, with text that exercises escaping and non-ASCII.</summary>
internal static class PeerMessageGen
{
    private static readonly Gen<string> Piece = Gen.OneOf("a", "Z", "0", "é", "e\u0301", "日本", "😀", "/", " ", "\"", "\\", "\n", "<", "%2F");

    public static readonly Gen<string> Text = Piece.Array[0, 8].Select(pieces => string.Concat(pieces));

    public static readonly Gen<string?> OptionalText = Gen.Frequency((3, Text.Select(t => (string?)t)), (1, Gen.Const((string?)null)));

    private static readonly Gen<DateTimeOffset> Time = Gen.Long[0, 4_102_444_800_000].Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(ms));

    public static readonly Gen<WireEntry> Entry = Gen.Select(Text, Text, OptionalText, Gen.Long, Gen.Long, Gen.Bool, Time)
        .Select((key, version, blob, size, sealedLength, deleted, updated) => new WireEntry(key, version, blob, size, sealedLength, deleted, updated));

    private static readonly Gen<WireMember> Member = Gen.Select(Gen.Guid, Text, OptionalText, Gen.Int, Gen.Long, Time, Gen.Bool)
        .Select((id, name, host, port, incarnation, joined, removed) => new WireMember(id, name, host, port, incarnation, joined, removed));

    public static readonly Gen<PeerMessage> Message = Gen.OneOf<PeerMessage>(
        Gen.Long.Select(PeerMessage (sent) => new Ping(sent)),
        Gen.Select(Gen.Long, Gen.Long).Select(PeerMessage (pinged, sent) => new Pong(pinged, sent)),
        Gen.Select(Text, Text).Select(PeerMessage (code, message) => new PeerError(code, message)),
        Member.Array[0, 3].Select(PeerMessage (m) => new ExchangeMembers(m)),
        Member.Array[0, 3].Select(PeerMessage (m) => new MemberList(m)),
        Entry.Select(PeerMessage (e) => new StoreReplica(e)),
        Gen.Select(Text, Gen.Long, Gen.Long).Select(PeerMessage (k, size, sealedLength) => new ReplicateObject(k, size, sealedLength)),
        Text.Select(PeerMessage (o) => new ReplicaStored(o)),
        Entry.Select(PeerMessage (e) => new StoreTombstone(e)),
        Text.Select(PeerMessage (o) => new TombstoneStored(o)),
        Text.Select(PeerMessage (k) => new GetEntry(k)),
        Gen.Select(Gen.Frequency((3, Entry.Select(e => (WireEntry?)e)), (1, Gen.Const((WireEntry?)null))), Gen.Bool).Select(PeerMessage (e, has) => new EntryInfo(e, has)),
        Gen.Select(Text, OptionalText).Select(PeerMessage (k, v) => new FetchObject(k, v)),
        Entry.Select(PeerMessage (e) => new ObjectFound(e)),
        Gen.Select(OptionalText, OptionalText, Gen.Int).Select(PeerMessage (p, a, l) => new ListKeys(p, a, l)),
        Gen.Select(Entry.Array[0, 3], Gen.Bool).Select(PeerMessage (e, t) => new KeyPage(e, t)),
        Gen.Select(Gen.Int.Array[0, 4], Text.Array[0, 4]).Select(PeerMessage (p, d) => new ComparePartitions(p, d)),
        Gen.Int.Array[0, 4].Select(PeerMessage (p) => new PartitionsDiffer(p)),
        Gen.Select(Gen.Int.Array[0, 4], Gen.Select(Text, Text).Select(kv => new EntryVersion(kv.Item1, kv.Item2)).Array[0, 3]).Select(PeerMessage (p, e) => new CompareEntries(p, e)),
        Gen.Select(Entry.Array[0, 3], Text.Array[0, 3], Gen.Bool).Select(PeerMessage (n, w, t) => new EntriesDiffer(n, w, t)),
        Gen.Select(Text, Text).Select(PeerMessage (k, v) => new ForgetIfVersion(k, v)),
        Gen.Bool.Select(PeerMessage (d) => new Forgotten(d)));

    public static readonly Gen<Envelope> Envelope = Gen.Select(Gen.Long, Gen.Long, OptionalText, OptionalText, Message)
        .Select((id, replyTo, parent, state, body) => new Envelope(id, replyTo, parent, state, body));
}
