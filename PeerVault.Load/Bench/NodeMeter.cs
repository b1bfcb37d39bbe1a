using System.Diagnostics;

namespace PeerVault.Load.Bench;

/// <summary>
/// Watches the node processes during one phase: each one's peak working set (resident memory,
/// sampled every 100 ms and, where the kernel allows resetting it, its own high-water mark) and
/// the CPU time it used. Nodes this machine cannot see (remote endpoints without pids) are left out.
/// </summary>
internal sealed class NodeMeter : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    private readonly List<Watched> _nodes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private NodeMeter(List<Watched> nodes)
    {
        _nodes = nodes;
        _sampling = SampleAsync(_stop.Token);
    }

    public static NodeMeter Start(IEnumerable<(string Node, int? Pid)> processes)
    {
        var nodes = new List<Watched>();
        foreach (var (node, pid) in processes)
        {
            if (pid is not { } id)
            {
                continue;
            }

            try
            {
                var process = Process.GetProcessById(id);
                var peakReset = ResetPeak(id);
                process.Refresh();
                nodes.Add(new Watched(node, process, process.TotalProcessorTime, peakReset) { Peak = process.WorkingSet64 });
            }
            catch (ArgumentException)
            {
                // Not running (any more).
            }
        }

        return new NodeMeter(nodes);
    }

    /// <summary>Stops sampling and gives each node's figures.</summary>
    public async Task<IReadOnlyList<NodeUsage>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        var usage = new List<NodeUsage>();
        foreach (var node in _nodes)
        {
            try
            {
                node.Process.Refresh();
                var peak = Math.Max(node.Peak, node.Process.WorkingSet64);
                if (node.PeakReset)
                {
                    // VmHWM since the reset: the true peak, even one shorter than the sampling interval.
                    peak = Math.Max(peak, node.Process.PeakWorkingSet64);
                }

                usage.Add(new NodeUsage(node.Name, Math.Round(peak / 1e6, 1), Math.Round((node.Process.TotalProcessorTime - node.CpuAtStart).TotalSeconds, 2)));
            }
            catch (InvalidOperationException)
            {
                usage.Add(new NodeUsage(node.Name, Math.Round(node.Peak / 1e6, 1), 0));
            }
        }

        return usage;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _sampling;
        }

        _stop.Dispose();
        _nodes.ForEach(n => n.Process.Dispose());
    }

    /// <summary>Writing 5 to <c>/proc/PID/clear_refs</c> resets the process's peak resident set (VmHWM) to its current one.</summary>
    private static bool ResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task SampleAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var node in _nodes)
                {
                    try
                    {
                        node.Process.Refresh();
                        node.Peak = Math.Max(node.Peak, node.Process.WorkingSet64);
                    }
                    catch (InvalidOperationException)
                    {
                        // Exited.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The phase is over.
        }
    }

    private sealed record Watched(string Name, Process Process, TimeSpan CpuAtStart, bool PeakReset)
    {
        public long Peak { get; set; }
    }
}
