using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster;

/// <summary>
/// How a write gets its version: newer than every write of its key acknowledged before it began,
/// whatever the nodes' clocks say. Any earlier acknowledged write is held by W placed replicas, so
/// a read quorum of them (R - W + 1, this node's own entry among them) includes one that holds it;
/// the coordinator asks them which version they hold (the same <c>get-entry</c> a read asks) while
/// it receives and seals the body, and stamps max(its clock, newest seen + 1 tick)
/// (<see cref="Versions.HybridClock.NowAfter"/>). A pipelined PUT takes its version when the
/// upload ends anyway, so for any object larger than a round trip the question costs no time.
/// </summary>
public sealed partial class ObjectCoordinator
{
    /// <summary>
    /// Asks a read quorum of the key's placed replicas (connected ones first; the rest too when too
    /// few answered) which version they hold. Never throws: a replica that cannot answer is left
    /// out, and a cancelled request returns what had come.
    /// </summary>
    private async Task<VersionFloor> NewestVersionAsync(string key, CancellationToken cancellationToken)
    {
        var targets = placement.ReplicasOf(key);
        var needed = ReadQuorum(targets.Count);
        var answers = new List<ReplicaAnswer>(targets.Count + 1);
        var problems = new List<string>();
        if (store.Index.TryGet(key, out var mine) || IsPlaced(targets, members.SelfId))
        {
            answers.Add(new ReplicaAnswer(members.Self, mine, HasBlob: false));
        }

        var remote = targets.Where(m => !m.IsSelf).OrderByDescending(replicas.IsConnected).ToList();
        var first = Math.Max(0, needed - CountPlaced(answers, targets));
        try
        {
            await AskAsync(key, remote.Take(first), answers, problems, cancellationToken);
            if (CountPlaced(answers, targets) < needed)
            {
                await AskAsync(key, remote.Skip(first), answers, problems, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; the write fails on its own, with what came so far.
        }

        var newest = ObjectVersion.Zero;
        var live = false;
        foreach (var answer in answers)
        {
            if (answer.Entry is { } entry && entry.Version > newest)
            {
                newest = entry.Version;
                live = !entry.Deleted;
            }
        }

        var silent = remote.Where(m => !answers.Any(a => a.Member.Id == m.Id))
            .Select(m => $"{m.Name}: {(replicas.IsConnected(m) ? "did not answer" : "unreachable")}")
            .Concat(problems)
            .ToList();
        return new VersionFloor(newest, live, CountPlaced(answers, targets), needed, [.. targets.Select(m => m.Name)], silent);
    }

    /// <summary>
    /// The version of a write that replaces what <paramref name="floor"/> found. When fewer than a
    /// read quorum answered, the write is refused before anything is applied
    /// (<see cref="ReplicasUnreachableException"/>, a 503 with Retry-After): a version stamped from
    /// this node's clock alone could be older than a write acknowledged earlier through a node with
    /// a faster clock, and the replicas that hold that one (which did not answer) could still
    /// acknowledge this one, a write acknowledged and lost at once. A write that cannot hear from a
    /// read quorum could seldom reach its write quorum anyway (with R = 3, W = 2 both are two).
    /// </summary>
    private ObjectVersion Stamp(string key, VersionFloor floor)
    {
        if (floor.Answered < floor.Needed)
        {
            metrics.VersionStamped("refused");
            LogStampRefused(key, floor.Answered, floor.Needed);
            throw new ReplicasUnreachableException(
                $"Only {floor.Answered} of the {floor.Needed} placed replicas a write must hear from first answered for '{key}' ({string.Join(", ", floor.Failures)}); nothing was written. Retry shortly.")
            {
                Placement = floor.Placement,
                Failures = floor.Failures,
            };
        }

        metrics.VersionStamped("read-quorum");
        return clock.NowAfter(floor.Newest);
    }

    /// <summary>
    /// The newest version a write's replicas hold (and whether it is an object, not a tombstone:
    /// what a DELETE found), from how many placed replicas, of how many a read quorum needs; the
    /// placement, and why each silent replica did not say.
    /// </summary>
    private readonly record struct VersionFloor(ObjectVersion Newest, bool NewestIsLive, int Answered, int Needed, IReadOnlyList<string> Placement, IReadOnlyList<string> Failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Write of {Key} refused: {Answered} of the {Needed} placed replica(s) a read quorum needs said which version they hold")]
    private partial void LogStampRefused(string key, int answered, int needed);
}
