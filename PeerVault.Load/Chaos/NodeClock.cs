using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// A node's wall clock moved with libfaketime (Debian's <c>faketime</c>): the node runs with
/// <c>LD_PRELOAD</c> of <c>libfaketimeMT.so.1</c> and reads its offset from a file of its own,
/// re-read every second, so an offset can be set before a start (a skew) or while it runs (a
/// step). Monotonic clocks are left alone.
/// </summary>
internal static class NodeClock
{
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

    public static IReadOnlyDictionary<string, string> Environment(string library, string file) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["LD_PRELOAD"] = library,
        ["FAKETIME_TIMESTAMP_FILE"] = file,
        ["FAKETIME_CACHE_DURATION"] = "1",
        ["DONT_FAKE_MONOTONIC"] = "1",
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
    };

    /// <summary>Sets the offset in seconds (written whole, then renamed, so the library never reads half a line).</summary>
    public static void Set(string file, double seconds)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, string.Create(CultureInfo.InvariantCulture, $"{(seconds >= 0 ? "+" : "-")}{Math.Abs(seconds):0}s\n"));
        File.Move(temporary, file, overwrite: true);
    }

    public static string Describe(double seconds)
        => Math.Abs(seconds) >= 60 && seconds % 60 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:+0;-0} min")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds:+0;-0} s");
}
