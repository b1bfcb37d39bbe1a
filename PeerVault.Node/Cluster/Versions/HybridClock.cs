using PeerVault.Node.Storage;

namespace PeerVault.Node.Cluster.Versions;

/// <summary>A version that claims to come from further in the future than the clock skew allows.</summary>
public sealed class VersionFromFutureException : Exception
{
    public VersionFromFutureException(ObjectVersion version, double secondsAhead, TimeSpan limit)
        : base($"Version {version} is {secondsAhead:0} s ahead of this node's clock (the limit is {limit.TotalSeconds:0} s).")
    {
    }

    public VersionFromFutureException()
    {
    }

    public VersionFromFutureException(string message)
        : base(message)
    {
    }

    public VersionFromFutureException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A hybrid logical clock (Kulkarni et al., 2014), as CockroachDB's: readings follow the wall clock
/// in milliseconds, a counter orders events within one millisecond or while the wall clock stands
/// still (or steps back), and observing a remote version ratchets the clock past it, so a write that
/// follows a read is always newer than what was read. A remote version more than
/// <see cref="MaxSkew"/> ahead of the physical clock is refused rather than followed, so a broken or
/// hostile peer cannot push the clock (and a key) into the far future. The counter never overflows:
/// at its limit the clock moves to the next millisecond.
/// </summary>
public sealed class HybridClock(TimeProvider time, Guid node, TimeSpan maxSkew)
{
    private readonly Lock _lock = new();
    private long _wall;
    private uint _counter;

    public TimeSpan MaxSkew { get; } = maxSkew;

    /// <summary>A new version, newer than every version this clock has issued or observed.</summary>
    public ObjectVersion Now() => NowAfter(ObjectVersion.Zero);

    /// <summary>
    /// A version for a write that replaces <paramref name="floor"/> (the newest version of the key
    /// its replicas hold): newer than it and than every version this clock has issued or observed,
    /// whatever the wall clock says. That is max(now, floor + 1 tick), as Garage's LWW registers take
    /// max(now, old + 1): a clock behind the floor's stamps the floor's millisecond with the next
    /// counter. The floor is not checked against <see cref="MaxSkew"/>: it was accepted by this node
    /// or a replica already, and a write must be newer than what it replaces to take effect at all.
    /// </summary>
    public ObjectVersion NowAfter(ObjectVersion floor)
    {
        var physical = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            Ratchet(floor);
            if (physical > _wall)
            {
                _wall = physical;
                _counter = 0;
            }
            else if (_counter == uint.MaxValue)
            {
                _wall++;
                _counter = 0;
            }
            else
            {
                _counter++;
            }

            return new ObjectVersion(_wall, _counter, node);
        }
    }

    /// <summary>Throws <see cref="VersionFromFutureException"/> if <paramref name="version"/> is too far ahead; else ratchets the clock past it.</summary>
    public void Observe(ObjectVersion version)
    {
        var physical = time.GetUtcNow().ToUnixTimeMilliseconds();
        var ahead = version.WallMs - physical;
        if (ahead > (long)MaxSkew.TotalMilliseconds)
        {
            throw new VersionFromFutureException(version, ahead / 1000.0, MaxSkew);
        }

        lock (_lock)
        {
            Ratchet(version);
        }
    }

    /// <summary>
    /// Observes <paramref name="version"/> if it is within the skew allowed; returns whether it did.
    /// For versions a peer only mentions (the ones it holds, in an anti-entropy comparison; the one it
    /// asks for or collects): a far-future one is not followed here, and is refused where an entry
    /// carrying it would be kept.
    /// </summary>
    public bool TryObserve(ObjectVersion version)
    {
        if (!IsAcceptable(version))
        {
            return false;
        }

        lock (_lock)
        {
            Ratchet(version);
        }

        return true;
    }

    /// <summary>Moves the clock's reading up to <paramref name="version"/>'s, if it is behind (under the lock).</summary>
    private void Ratchet(ObjectVersion version)
    {
        if (version.WallMs > _wall)
        {
            _wall = version.WallMs;
            _counter = version.Counter;
        }
        else if (version.WallMs == _wall && version.Counter > _counter)
        {
            _counter = version.Counter;
        }
    }

    /// <summary>Whether <paramref name="version"/> is within the skew allowed (without observing it).</summary>
    public bool IsAcceptable(ObjectVersion version)
        => version.WallMs - time.GetUtcNow().ToUnixTimeMilliseconds() <= (long)MaxSkew.TotalMilliseconds;
}
