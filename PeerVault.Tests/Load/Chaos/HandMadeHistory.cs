using PeerVault.Load.Chaos;

namespace PeerVault.Tests.Load.Chaos;

/// <summary>A history written by hand, operation by operation, for the checker's tests. Times in seconds.</summary>
internal sealed class HandMadeHistory
{
    private long _next;

    public ChaosHistory History { get; } = new()
    {
        Run = new RunLine(7, "all", "test", ["node1", "node2", "node3"], 3, 2, "p/", ["k"], 45_000, DateTimeOffset.UnixEpoch, [], []),
    };

    public CheckReport Check() => HistoryChecker.Check(History);

    /// <summary>A PUT of <paramref name="value"/>; acknowledged (201) unless told otherwise; its version defaults to one that grows with its completion.</summary>
    public Operation Put(string value, double from, double? to, OpOutcome outcome = OpOutcome.Ok, string key = "k", string? version = null, int? status = null)
        => Add(OpKind.Put, key, from, to, outcome, value, version ?? (outcome == OpOutcome.Ok ? Version(to!.Value) : null), status ?? (outcome == OpOutcome.Ok ? 201 : 503));

    public Operation Get(string? value, double from, double to, string key = "k", string node = "node1", string? version = null, string? invalid = null, string client = "c1")
    {
        var read = Add(OpKind.Get, key, from, to, OpOutcome.Ok, value, version, value is null && invalid is null ? 404 : 200, node, client);
        read.Invalid = invalid;
        return read;
    }

    public Operation Delete(double from, double? to, OpOutcome outcome = OpOutcome.Ok, int? status = null, string key = "k")
        => Add(OpKind.Delete, key, from, to, outcome, null, outcome == OpOutcome.Ok && status != 404 ? Version(to!.Value) : null, status ?? (outcome == OpOutcome.Ok ? 200 : 503));

    public Operation List(IReadOnlyDictionary<string, string> entries, double from, double to, string node = "node1", string client = "c1")
    {
        var listing = Add(OpKind.List, null, from, to, OpOutcome.Ok, null, null, 200, node, client);
        listing.Entries = entries;
        return listing;
    }

    public Operation Failed(OpKind kind, double from, double to, int status, string key = "k", string node = "node1", string client = "c1")
        => Add(kind, key, from, to, status is >= 400 and < 500 ? OpOutcome.Fail : OpOutcome.Info, kind == OpKind.Put ? $"x.{_next}" : null, null, status, node, client);

    public void Fault(string kind, double from, double to, params string[] nodes)
        => History.Faults.Add(new FaultWindow { Id = History.Faults.Count + 1, Kind = kind, Nodes = nodes, Detail = kind, StartMs = from * 1000, HealMs = to * 1000 });

    /// <summary>A version whose wall time is <paramref name="seconds"/>: later completions get higher versions, as a correct clock gives.</summary>
    public static string Version(double seconds, string node = "0123456789abcdef0123456789abcdef")
        => $"{(long)(1_700_000_000_000 + (seconds * 1000)):x16}.00000000.{node}";

    private Operation Add(OpKind kind, string? key, double from, double? to, OpOutcome outcome, string? value, string? version, int? status, string node = "node1", string client = "c1")
    {
        var operation = new Operation
        {
            Id = ++_next,
            Client = client,
            Kind = kind,
            Key = key,
            Node = node,
            InvokeMs = from * 1000,
            CompleteMs = to * 1000,
            Outcome = outcome,
            Status = status,
            Value = value,
            Version = version,
        };
        History.Operations.Add(operation);
        return operation;
    }
}
