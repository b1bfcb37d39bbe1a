using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// Checks a history against exactly what the README's "Consistency model" promises. Per key, by
/// real-time order: a write <c>w</c> is certainly older than <c>w'</c> when <c>w</c> was acknowledged
/// before <c>w'</c> began. A read (a GET, a listing, a DELETE that answered 404) is stale when
/// every write that could have produced what it returned (the PUT of that value; for absence, the
/// initial absence and every DELETE) is certainly older than a write acknowledged before the read
/// began. Indeterminate writes are never certainly older: they may take effect at any time.
/// </summary>
internal static class HistoryChecker
{
    public static CheckReport Check(ChaosHistory history)
    {
        var anomalies = new List<Anomaly>();
        var weakened = history.Faults.Where(f => f.ChangesMembership).Select(f => (From: f.StartMs, To: f.EndMs + history.Run.WeakenedTailMs)).ToList();
        var diskFull = history.Faults.Where(f => f.Kind == FaultKind.DiskFull.Name()).Select(f => (From: f.StartMs, To: f.EndMs + 2000)).ToList();
        var puts = history.Operations.Where(o => o.Kind == OpKind.Put && o.Value is not null).GroupBy(o => o.Value!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        UnexpectedErrors(history, diskFull, anomalies);
        var keys = history.Run.Keys.Concat(history.Operations.Where(o => o.Key is not null).Select(o => o.Key!)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            new KeyCheck(key, history, puts, weakened, anomalies).Run();
        }

        Divergence(history, puts, anomalies);
        anomalies.Sort((a, b) => a.AtMs.CompareTo(b.AtMs));
        var counts = Enum.GetValues<AnomalyKind>().ToDictionary(k => k.ToString(), k => anomalies.Count(a => a.Kind == k), StringComparer.Ordinal);
        return new CheckReport(counts, anomalies, Availability(history), PartitionSides(history), Notes(history), anomalies.All(a => !a.Fails));
    }

    private static bool Overlaps(IReadOnlyList<(double From, double To)> windows, double from, double to)
        => windows.Any(w => from <= w.To && to >= w.From);

    /// <summary>Rule 3: a 4xx other than 404 on a valid request, a 500, a 502, or a 507 while no disk was full.</summary>
    private static void UnexpectedErrors(ChaosHistory history, List<(double From, double To)> diskFull, List<Anomaly> anomalies)
    {
        foreach (var operation in history.Operations)
        {
            if (operation.Status is not { } status)
            {
                continue;
            }

            var unexpected = status switch
            {
                >= 400 and < 500 => status != 404,
                500 or 502 => true,
                507 => !Overlaps(diskFull, operation.InvokeMs, operation.EndMs),
                _ => false,
            };
            if (unexpected)
            {
                anomalies.Add(new Anomaly(AnomalyKind.UnexpectedError, operation.Key, operation.Id, operation.InvokeMs, operation.Node, $"{operation}: {operation.Error}", []));
            }
        }
    }

    /// <summary>Rule 5: in the final round, every node gives the same answer for every key, and the same listing.</summary>
    private static void Divergence(ChaosHistory history, Dictionary<string, Operation> puts, List<Anomaly> anomalies)
    {
        // A node still under a fault in the final round (a whole-run skew: 10 minutes off, it never
        // passes a handshake, so it joins nothing and refuses with 503) has not healed; its refusals
        // are unavailability, not disagreement. What it does answer must still agree.
        bool Unhealed(Operation o) => o.Outcome != OpOutcome.Ok && history.Faults.Any(f => f.Nodes.Contains(o.Node, StringComparer.Ordinal) && f.StartMs <= o.InvokeMs && o.InvokeMs < f.EndMs);
        var final = history.Operations.Where(o => o.IsFinal && !Unhealed(o)).ToList();
        foreach (var reads in final.Where(o => o.Kind == OpKind.Get).GroupBy(o => o.Key!, StringComparer.Ordinal))
        {
            var answers = reads.Select(r => (r.Node, Answer: r.Outcome == OpOutcome.Ok ? r.Value ?? "404" : $"no answer ({r.Status?.ToString(CultureInfo.InvariantCulture) ?? r.Error})")).ToList();
            if (answers.Select(a => a.Answer).Distinct(StringComparer.Ordinal).Count() > 1 || reads.Any(r => r.Outcome != OpOutcome.Ok))
            {
                anomalies.Add(new Anomaly(
                    AnomalyKind.Divergence,
                    reads.Key,
                    reads.First().Id,
                    reads.Max(r => r.EndMs),
                    null,
                    $"after healing, {reads.Key} reads {string.Join(", ", answers.Select(a => $"{a.Answer} via {a.Node}"))}",
                    [.. reads.Select(r => r.Id)]));
            }
        }

        var listings = final.Where(o => o.Kind == OpKind.List).ToList();
        if (listings.Count == 0)
        {
            return;
        }

        foreach (var listing in listings.Where(l => l.Outcome != OpOutcome.Ok))
        {
            anomalies.Add(new Anomaly(AnomalyKind.Divergence, null, listing.Id, listing.EndMs, listing.Node, $"after healing, the listing through {listing.Node} did not answer: {listing}", []));
        }

        var answered = listings.Where(l => l.Outcome == OpOutcome.Ok && l.Entries is not null).ToList();
        var listedKeys = answered.SelectMany(l => l.Entries!.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var key in listedKeys)
        {
            var views = answered.Select(l => (l.Node, Version: l.Entries!.TryGetValue(key, out var v) ? v : null)).ToList();
            if (views.Select(v => v.Version).Distinct().Count() > 1)
            {
                string Name(string? version) => version is null ? "absent" : puts.Values.FirstOrDefault(p => p.Key == key && p.Version == version)?.Value ?? Operation.ShortVersion(version);
                anomalies.Add(new Anomaly(
                    AnomalyKind.Divergence,
                    key,
                    answered[0].Id,
                    answered.Max(l => l.EndMs),
                    null,
                    $"after healing, listings disagree on {key}: {string.Join(", ", views.Select(v => $"{Name(v.Version)} via {v.Node}"))}",
                    [.. answered.Select(l => l.Id)]));
            }
        }
    }

    private static List<AvailabilityRow> Availability(ChaosHistory history)
        => [.. history.Operations.Where(o => !o.IsFinal).GroupBy(o => o.Kind).OrderBy(g => g.Key).Select(g =>
        {
            var latencies = g.Where(o => o.Outcome == OpOutcome.Ok).Select(o => o.EndMs - o.InvokeMs).Order().ToList();
            return new AvailabilityRow(
                Operation.KindName(g.Key),
                g.Count(o => o.Outcome == OpOutcome.Ok),
                g.Count(o => o.Outcome == OpOutcome.Fail),
                g.Count(o => o.Outcome is OpOutcome.Info or OpOutcome.Pending),
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                latencies.Count == 0 ? 0 : Math.Round(latencies[^1], 1));
        })];

    /// <summary>Operations invoked while a partition lasted, by whether their node directly reached a majority of the members.</summary>
    private static List<SideRow> PartitionSides(ChaosHistory history)
    {
        var partitions = history.Faults.Where(f => f.IsPartition).ToList();
        if (partitions.Count == 0)
        {
            return [];
        }

        var rows = new Dictionary<(string Side, OpKind Kind), int[]>();
        foreach (var operation in history.Operations.Where(o => !o.IsFinal))
        {
            var active = partitions.Where(p => operation.InvokeMs >= p.StartMs && operation.InvokeMs < p.EndMs).ToList();
            if (active.Count == 0)
            {
                continue;
            }

            var members = active.SelectMany(p => p.Members).Distinct(StringComparer.Ordinal).ToList();
            var cut = active.SelectMany(p => p.Blocked).Where(pair => pair.Contains(operation.Node)).Select(pair => pair.First(n => n != operation.Node)).ToHashSet(StringComparer.Ordinal);
            var reaches = members.Count(m => !cut.Contains(m));
            var side = reaches * 2 > members.Count ? "majority" : "minority";
            if (!rows.TryGetValue((side, operation.Kind), out var counts))
            {
                rows[(side, operation.Kind)] = counts = new int[3];
            }

            counts[operation.Outcome switch { OpOutcome.Ok => 0, OpOutcome.Fail => 1, _ => 2 }]++;
        }

        return [.. rows.OrderBy(r => r.Key.Side, StringComparer.Ordinal).ThenBy(r => r.Key.Kind).Select(r => new SideRow(r.Key.Side, Operation.KindName(r.Key.Kind), r.Value[0], r.Value[1], r.Value[2]))];
    }

    /// <summary>Counts worth reading that break no promise.</summary>
    private static SortedDictionary<string, int> Notes(ChaosHistory history)
    {
        var operations = history.Operations.Where(o => !o.IsFinal).ToList();
        var notes = new SortedDictionary<string, int>(StringComparer.Ordinal)
        {
            ["writes acknowledged with fewer placed replicas than R"] = operations.Count(o => o.IsWrite && o.Outcome == OpOutcome.Ok && o.Placement is { } placement && placement.Count < history.Run.Replicas),
            ["writes refused for a version from the future (503)"] = operations.Count(o => o.IsWrite && o.Error?.Contains("version-from-future", StringComparison.Ordinal) == true),
            ["writes refused for unavailable storage (503)"] = operations.Count(o => o.IsWrite && o.Error?.Contains("storage-unavailable", StringComparison.Ordinal) == true),
            ["writes answered 507 (disk full)"] = operations.Count(o => o.IsWrite && o.Status == 507),
            ["reads that timed out or were cut"] = operations.Count(o => !o.IsWrite && o.Outcome == OpOutcome.Info && o.Status is null),
        };
        return notes;
    }

    private static double Percentile(List<double> sorted, double quantile)
        => sorted.Count == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)], 1);

    /// <summary>Rules 1, 2 and 4 on one key.</summary>
    private sealed class KeyCheck(string key, ChaosHistory history, Dictionary<string, Operation> puts, List<(double From, double To)> weakened, List<Anomaly> anomalies)
    {
        // Writes that may have taken effect (not certainly failed), and the acknowledged ones by completion.
        private readonly List<Operation> _writes = [.. history.Operations.Where(o => o.Key == key && o.IsWrite && o.Outcome != OpOutcome.Fail)];
        private List<Operation> _ackedByCompletion = [];
        private Operation?[] _latestStartedBefore = [];
        private Dictionary<string, Operation> _putsByVersion = [];
        private List<Operation> _deletesByInvocation = [];
        private (Operation? First, Operation? Second)[] _latestEndingDeletes = [];

        public void Run()
        {
            // For absence: the two DELETEs that end last among those begun so far (two, so a DELETE can leave itself out).
            _deletesByInvocation = [.. _writes.Where(w => w.Kind == OpKind.Delete).OrderBy(w => w.InvokeMs)];
            _latestEndingDeletes = new (Operation?, Operation?)[_deletesByInvocation.Count];
            (Operation? First, Operation? Second) top = (null, null);
            for (var i = 0; i < _deletesByInvocation.Count; i++)
            {
                var delete = _deletesByInvocation[i];
                if (top.First is null || EffectiveEnd(delete) > EffectiveEnd(top.First))
                {
                    top = (delete, top.First);
                }
                else if (top.Second is null || EffectiveEnd(delete) > EffectiveEnd(top.Second))
                {
                    top = (top.First, delete);
                }

                _latestEndingDeletes[i] = top;
            }

            _putsByVersion = _writes.Where(w => w.Kind == OpKind.Put && w.Version is not null).GroupBy(w => w.Version!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            _ackedByCompletion = [.. _writes.Where(w => w.Outcome == OpOutcome.Ok).OrderBy(w => w.CompleteMs)];
            _latestStartedBefore = new Operation?[_ackedByCompletion.Count];
            Operation? latest = null;
            for (var i = 0; i < _ackedByCompletion.Count; i++)
            {
                if (latest is null || _ackedByCompletion[i].InvokeMs > latest.InvokeMs)
                {
                    latest = _ackedByCompletion[i];
                }

                _latestStartedBefore[i] = latest;
            }

            foreach (var operation in history.Operations)
            {
                if (operation.Outcome != OpOutcome.Ok)
                {
                    continue;
                }

                switch (operation.Kind)
                {
                    case OpKind.Get when operation.Key == key:
                        ObserveGet(operation);
                        break;
                    case OpKind.Delete when operation.Key == key && operation.Status == 404:
                        // "No replica held the key": an observation of absence, made before its own tombstone counts.
                        Observe(operation, null, excluded: operation);
                        break;
                    case OpKind.List when operation.Entries is not null:
                        ObserveListing(operation);
                        break;
                }
            }

            VersionOrder();
        }

        private void ObserveGet(Operation read)
        {
            if (read.Invalid is not null)
            {
                Report(AnomalyKind.ValueNeverWritten, read, $"{read}: the body is no PUT's content ({read.Invalid})");
                return;
            }

            if (read.Value is { } value && puts.TryGetValue(value, out var put) && put.Version is not null && read.Version is not null && put.Version != read.Version)
            {
                Report(AnomalyKind.ValueNeverWritten, read, $"{read}: the body of {value} came with version {Operation.ShortVersion(read.Version)}, but that PUT was given {Operation.ShortVersion(put.Version)} (a mix of two writes)", put);
                return;
            }

            Observe(read, read.Value, excluded: null);
        }

        private void ObserveListing(Operation listing)
        {
            if (listing.Entries!.TryGetValue(key, out var version))
            {
                if (!_putsByVersion.TryGetValue(version, out var put))
                {
                    // A PUT whose answer never came has an unknown version: the listing may show it.
                    if (_writes.Any(w => w.Kind == OpKind.Put && w.Version is null && w.InvokeMs < listing.EndMs))
                    {
                        return;
                    }

                    Report(AnomalyKind.ValueNeverWritten, listing, $"{listing} lists {key} at version {Operation.ShortVersion(version)}, which no PUT of that key was given");
                    return;
                }

                Observe(listing, put.Value, excluded: null);
            }
            else
            {
                Observe(listing, null, excluded: null);
            }
        }

        /// <summary>A read returned <paramref name="value"/> (null: absence) at some moment within its interval.</summary>
        private void Observe(Operation read, string? value, Operation? excluded)
        {
            double candidateEnd;
            Operation? source = null;
            if (value is not null)
            {
                if (!puts.TryGetValue(value, out source) || source.Key != key)
                {
                    Report(AnomalyKind.ValueNeverWritten, read, $"{read}: {value} was never written to {key}{(source is null ? string.Empty : $" (it is a PUT of {source.Key})")}");
                    return;
                }

                if (source.InvokeMs >= read.EndMs)
                {
                    Report(AnomalyKind.ValueNeverWritten, read, $"{read}: returned {value} before its PUT began ({source})", source);
                    return;
                }

                if (source.Outcome == OpOutcome.Fail)
                {
                    Report(AnomalyKind.ValueNeverWritten, read, $"{read}: returned {value}, whose PUT certainly failed ({source})", source);
                    return;
                }

                candidateEnd = source.Outcome == OpOutcome.Ok ? source.CompleteMs!.Value : double.PositiveInfinity;
            }
            else
            {
                // The initial absence (acknowledged before everything) or any DELETE that may have applied by then.
                (candidateEnd, source) = LatestEndingDeleteBefore(read.EndMs, excluded);
            }

            if (LatestAcknowledgedBefore(read.InvokeMs) is not { } newer || candidateEnd >= newer.InvokeMs)
            {
                return;
            }

            var returned = value ?? (read.Kind == OpKind.Delete ? "404 (no replica held it)" : "404");
            var was = source is null ? "the key was never deleted before" : $"the newest write that could give it is {source}";
            var what = $"{read}: {key} read as {returned}; {was}, acknowledged before {newer} began, which was acknowledged before the read began";
            AnomalyKind kind;
            if (!read.IsFinal && Overlaps(weakened, read.InvokeMs, read.EndMs))
            {
                kind = AnomalyKind.WeakenedRead;
            }
            else if (value is not null && newer.Kind == OpKind.Delete)
            {
                kind = AnomalyKind.Resurrection;
            }
            else
            {
                kind = read.IsFinal ? AnomalyKind.LostWrite : AnomalyKind.StaleRead;
            }

            Report(kind, read, what, source, newer);
        }

        /// <summary>
        /// Of the DELETEs that began before <paramref name="time"/> (not <paramref name="excluded"/>),
        /// the one that ended last (never, if indeterminate), and when; none: minus infinity, the initial absence.
        /// </summary>
        private (double End, Operation? Delete) LatestEndingDeleteBefore(double time, Operation? excluded)
        {
            var index = LastBefore(_deletesByInvocation, d => d.InvokeMs, time);
            if (index < 0)
            {
                return (double.NegativeInfinity, null);
            }

            var (first, second) = _latestEndingDeletes[index];
            var best = first == excluded ? second : first;
            return best is null ? (double.NegativeInfinity, null) : (EffectiveEnd(best), best);
        }

        private static double EffectiveEnd(Operation write) => write.Outcome == OpOutcome.Ok ? write.CompleteMs!.Value : double.PositiveInfinity;

        /// <summary>The acknowledged write that began last among those acknowledged before <paramref name="time"/>.</summary>
        private Operation? LatestAcknowledgedBefore(double time)
            => LastBefore(_ackedByCompletion, o => o.CompleteMs!.Value, time) is var found and >= 0 ? _latestStartedBefore[found] : null;

        /// <summary>The index of the last of <paramref name="sorted"/> (sorted by <paramref name="moment"/>) whose moment is before <paramref name="time"/>; -1 if none.</summary>
        private static int LastBefore(List<Operation> sorted, Func<Operation, double> moment, double time)
        {
            int low = 0, high = sorted.Count - 1, found = -1;
            while (low <= high)
            {
                var middle = (low + high) / 2;
                if (moment(sorted[middle]) < time)
                {
                    found = middle;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return found;
        }

        /// <summary>Every acknowledged write's version is above that of every write acknowledged before it began.</summary>
        private void VersionOrder()
        {
            var versioned = _ackedByCompletion.Where(w => w.Version is not null).ToList();
            var highest = new Operation[versioned.Count];
            for (var i = 0; i < versioned.Count; i++)
            {
                highest[i] = i > 0 && string.CompareOrdinal(highest[i - 1].Version, versioned[i].Version) >= 0 ? highest[i - 1] : versioned[i];
            }

            foreach (var write in versioned)
            {
                var before = LastBefore(versioned, o => o.CompleteMs!.Value, write.InvokeMs);
                if (before < 0 || string.CompareOrdinal(highest[before].Version, write.Version) < 0)
                {
                    continue;
                }

                var older = highest[before];
                var kind = Overlaps(weakened, older.InvokeMs, write.EndMs) ? AnomalyKind.WeakenedRead : AnomalyKind.VersionOrder;
                Report(kind, write, $"{write} was given a version not above {older}, which was acknowledged before it began: the acknowledged overwrite loses", older);
            }
        }

        private void Report(AnomalyKind kind, Operation operation, string message, params Operation?[] related)
            => anomalies.Add(new Anomaly(kind, key, operation.Id, operation.InvokeMs, operation.Node, message, [.. related.Where(r => r is not null).Select(r => r!.Id)]));
    }
}
