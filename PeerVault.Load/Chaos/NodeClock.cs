using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// A node's wall clock moved with libfaketime (Debian's <c>faketime</c>): a node started with
/// <c>LD_PRELOAD</c> of <c>libfaketimeMT.so.1</c> and <c>FAKETIME=+20s</c> reads a clock 20 s ahead
/// for its whole life, so an offset applies from a (re)start. The monotonic clock moves by the
/// same constant, which only shifts it (durations and timers are unchanged): with
/// <c>DONT_FAKE_MONOTONIC=1</c> a node served requests about eight times slower (measured here:
/// 200 requests took 13 s instead of 1.6 s), which would have made every skewed node a slow node
/// as well. For the same reason the offset is never changed while a node runs (a monotonic clock
/// that steps would stall its timers); a clock that steps back is a restart with a clock behind.
/// A node with no offset runs without the library.
/// </summary>
internal static class NodeClock
{
    private static readonly string[] Variables = ["LD_PRELOAD", "FAKETIME"];

    /// <summary>The library, or null where the package is not installed.</summary>
    public static string? Library()
    {
        foreach (var directory in Directory.Exists("/usr/lib") ? Directory.EnumerateDirectories("/usr/lib") : [])
        {
            var path = Path.Combine(directory, "faketime", "libfaketimeMT.so.1");
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Sets the offset (seconds) the node's next start runs with.</summary>
    public static void Set(LocalNode node, string library, double seconds)
    {
        foreach (var variable in Variables)
        {
            node.StartEnvironment.Remove(variable);
        }

        if (seconds != 0)
        {
            node.StartEnvironment["LD_PRELOAD"] = library;
            node.StartEnvironment["FAKETIME"] = string.Create(CultureInfo.InvariantCulture, $"{(seconds >= 0 ? "+" : "-")}{Math.Abs(seconds):0}s");
        }
    }

    public static string Describe(double seconds)
        => Math.Abs(seconds) >= 60 && seconds % 60 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:+0;-0} min")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:+0;-0} s");
}
