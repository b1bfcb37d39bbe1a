using PeerVault.Node.Security;

namespace PeerVault.Benchmarks;

/// <summary>A fresh cluster key ring for one benchmark class (what a node derives from its settings).</summary>
internal static class BenchmarkKeys
{
    public static KeyRing Ring() => new(ClusterKey.Generate(), new EpochClock(TimeProvider.System, EpochClock.DefaultLength));
}
