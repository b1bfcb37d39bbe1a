using System.Globalization;

namespace PeerVault.Load;

/// <summary>One reading of a node process from <c>/proc</c>.</summary>
internal sealed record ResourceSample(double Seconds, string Node, int Pid, long RssKiB, int OpenHandles, int Threads);

/// <summary>
/// Reads each node process's resident set (VmRSS), open file descriptors (<c>/proc/PID/fd</c>) and
/// threads: the figures that must stay flat over a long run.
/// </summary>
internal sealed class ResourceSampler
{
    private readonly List<ResourceSample> _samples = [];

    public IReadOnlyList<ResourceSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Samples each (node, pid) that is running; a node that is down (null pid) is skipped.</summary>
    public IReadOnlyList<ResourceSample> Sample(double seconds, IEnumerable<(string Node, int? Pid)> processes)
    {
        var taken = new List<ResourceSample>();
        foreach (var (node, pid) in processes)
        {
            if (pid is { } id && Read(seconds, node, id) is { } sample)
            {
                taken.Add(sample);
            }
        }

        lock (_samples)
        {
            _samples.AddRange(taken);
        }

        return taken;
    }

    /// <summary>One reading of a process, or null if it is gone.</summary>
    internal static ResourceSample? Read(double seconds, string node, int pid)
    {
        try
        {
            long rss = 0;
            var threads = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
                }
            }

            // A process that has died but not been reaped yet has no memory left to report.
            if (rss == 0)
            {
                return null;
            }

            return new ResourceSample(seconds, node, pid, rss, Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length, threads);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exited between being listed and being read.
            return null;
        }
    }
}
