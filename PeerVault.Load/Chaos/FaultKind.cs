namespace PeerVault.Load.Chaos;

/// <summary>What the nemesis does to the cluster, each with a start and a heal.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL, then a start on the same data.</summary>
    Kill,

    /// <summary>SIGSTOP, then SIGCONT: longer than the peers' timeouts.</summary>
    Pause,

    /// <summary>One node cut off from every other (silent drops both ways).</summary>
    Isolate,

    /// <summary>The nodes in two groups that cannot reach each other (a minority and the rest).</summary>
    Split,

    /// <summary>Two groups that cannot reach each other and one node that reaches both.</summary>
    Bridge,

    /// <summary>A node's wall clock 20 s ahead or behind: inside the handshake's 30 s window.</summary>
    SkewSmall,

    /// <summary>A node's wall clock 10 minutes ahead or behind.</summary>
    SkewLarge,

    /// <summary>A node's wall clock steps back by seconds, then forward again.</summary>
    ClockBack,

    /// <summary>The node's data directory's volume (a small tmpfs) filled, then freed.</summary>
    DiskFull,

    /// <summary>The node's data directory removed while it runs.</summary>
    Wipe,

    /// <summary>SIGKILL, data directory removed, start: the node comes back empty, under a new id.</summary>
    WipeRestart,

    /// <summary>A fresh node joins (in a network namespace of its own).</summary>
    AddNode,

    /// <summary>A member taken out for good (<c>DELETE /v1/cluster/members/{id}</c>), its process stopped.</summary>
    RemoveNode,
}

/// <summary>Names, groups and needs of the fault kinds.</summary>
internal static class FaultKinds
{
    public static readonly IReadOnlyDictionary<string, FaultKind> ByName = new Dictionary<string, FaultKind>(StringComparer.Ordinal)
    {
        ["kill"] = FaultKind.Kill,
        ["pause"] = FaultKind.Pause,
        ["isolate"] = FaultKind.Isolate,
        ["split"] = FaultKind.Split,
        ["bridge"] = FaultKind.Bridge,
        ["skew-small"] = FaultKind.SkewSmall,
        ["skew-large"] = FaultKind.SkewLarge,
        ["clock-back"] = FaultKind.ClockBack,
        ["disk-full"] = FaultKind.DiskFull,
        ["wipe"] = FaultKind.Wipe,
        ["wipe-restart"] = FaultKind.WipeRestart,
        ["add-node"] = FaultKind.AddNode,
        ["remove-node"] = FaultKind.RemoveNode,
    };

    public static readonly IReadOnlyDictionary<string, FaultKind[]> Groups = new Dictionary<string, FaultKind[]>(StringComparer.Ordinal)
    {
        ["process"] = [FaultKind.Kill, FaultKind.Pause],
        ["partition"] = [FaultKind.Isolate, FaultKind.Split, FaultKind.Bridge],
        ["clock"] = [FaultKind.SkewSmall, FaultKind.SkewLarge, FaultKind.ClockBack],
        ["disk"] = [FaultKind.DiskFull, FaultKind.Wipe],
        ["membership"] = [FaultKind.WipeRestart, FaultKind.AddNode, FaultKind.RemoveNode],
        ["all"] = Enum.GetValues<FaultKind>(),
        ["none"] = [],
    };

    public static string Name(this FaultKind kind) => ByName.First(p => p.Value == kind).Key;

    /// <summary>A comma-separated list of kinds and groups.</summary>
    public static IReadOnlySet<FaultKind> Parse(string text)
    {
        var kinds = new HashSet<FaultKind>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ByName.TryGetValue(name, out var kind))
            {
                kinds.Add(kind);
            }
            else if (Groups.TryGetValue(name, out var group))
            {
                kinds.UnionWith(group);
            }
            else
            {
                throw new ArgumentException($"--faults: '{name}' is not a fault kind ({string.Join(", ", ByName.Keys)}) or group ({string.Join(", ", Groups.Keys)}).");
            }
        }

        return kinds;
    }

    /// <summary>Cutting links between nodes needs each node in a network namespace of its own.</summary>
    public static bool NeedsNamespaces(this FaultKind kind) => kind is FaultKind.Isolate or FaultKind.Split or FaultKind.Bridge;

    /// <summary>Filling a volume needs a small tmpfs of the node's own (mounting needs root).</summary>
    public static bool NeedsTmpfs(this FaultKind kind) => kind is FaultKind.DiskFull;

    /// <summary>Moving a node's clock needs libfaketime.</summary>
    public static bool NeedsFakeTime(this FaultKind kind) => kind is FaultKind.SkewSmall or FaultKind.SkewLarge or FaultKind.ClockBack;

    /// <summary>Changes the membership: the promise on reads is weakened until rebalancing has had a chance.</summary>
    public static bool ChangesMembership(this FaultKind kind) => kind is FaultKind.WipeRestart or FaultKind.AddNode or FaultKind.RemoveNode;
}
