using System.Diagnostics;
using System.Reflection;

namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// Bytes the calling thread allocates in an action that completes synchronously on it. The action
/// runs once to warm up (a pool's first rent, static constructors, first-call JIT work), then a few
/// times, keeping the least: a one-off cost elsewhere in the process never shows as growth.
/// </summary>
internal static class ThreadAllocation
{
    /// <summary>
    /// Skips the test unless <paramref name="underTest"/> was compiled with optimizations: a Debug
    /// build makes every async state machine a class, allocated on each call even when it completes
    /// at once, so per-call garbage is a property of the Release build (what CI and nodes run).
    /// </summary>
    public static void SkipUnlessOptimized(Assembly underTest)
        => Assert.SkipWhen(
            underTest.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true,
            $"{underTest.GetName().Name} is a Debug build, whose async methods allocate per call; run in Release (dotnet test -c Release).");

    public static long Least(Action action, int runs = 3)
    {
        action();
        var least = long.MaxValue;
        for (var run = 0; run < runs; run++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
