namespace PeerVault.Load.Chaos;

/// <summary>What the checker reports; every kind but <see cref="WeakenedRead"/> fails the run.</summary>
internal enum AnomalyKind
{
    /// <summary>A body (or a listed version) that is no PUT's content, or a mix of two.</summary>
    ValueNeverWritten,

    /// <summary>A read returned a value (or 404) older than a write acknowledged before the read began.</summary>
    StaleRead,

    /// <summary>An acknowledged write's version is not above that of a write acknowledged before it began.</summary>
    VersionOrder,

    /// <summary>After healing, a key reads older than an acknowledged write (or absent).</summary>
    LostWrite,

    /// <summary>A read returned a PUT's value although a later DELETE was acknowledged.</summary>
    Resurrection,

    /// <summary>After healing, nodes answer differently for a key, or their listings differ, or one does not answer.</summary>
    Divergence,

    /// <summary>A 4xx other than 404 on a valid request, a 500, a 502, or a 507 while no disk was full.</summary>
    UnexpectedError,

    /// <summary>A stale read (or version-order violation) while membership changed: reported, not a failure.</summary>
    WeakenedRead,
}

/// <summary>One anomaly: where, when, and the operations that show it.</summary>
internal sealed record Anomaly(AnomalyKind Kind, string? Key, long? Op, double AtMs, string? Node, string Message, IReadOnlyList<long> Related)
{
    public bool Fails => Kind != AnomalyKind.WeakenedRead;
}

/// <summary>Per operation kind: how many were acknowledged/answered, failed, indeterminate; latency of the answered ones.</summary>
internal sealed record AvailabilityRow(string Kind, int Ok, int Fail, int Indeterminate, double P50Ms, double P99Ms, double MaxMs);

/// <summary>Operations invoked while a partition lasted, by the side of the node they went through.</summary>
internal sealed record SideRow(string Side, string Kind, int Ok, int Fail, int Indeterminate);

/// <summary>The checker's answer: counts by kind, every anomaly, availability, and informational counts.</summary>
internal sealed record CheckReport(
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<Anomaly> Anomalies,
    IReadOnlyList<AvailabilityRow> Availability,
    IReadOnlyList<SideRow> PartitionSides,
    IReadOnlyDictionary<string, int> Notes,
    bool Passed)
{
    public int Count(AnomalyKind kind) => Counts.TryGetValue(kind.ToString(), out var count) ? count : 0;
}
