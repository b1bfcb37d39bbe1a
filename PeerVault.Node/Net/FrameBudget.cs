namespace PeerVault.Node.Net;

/// <summary>
/// A token bucket over a connection's incoming frames: <c>rate</c> frames a second, with bursts up
/// to one second's worth. A peer over its budget is not cut off (a repair burst is legitimate); its
/// read loop waits, so TCP flow control slows the sender down and nothing it sends piles up here.
/// </summary>
public sealed class FrameBudget(int framesPerSecond, TimeProvider time)
{
    private readonly double _rate = Math.Max(1, framesPerSecond);
    private double _tokens = Math.Max(1, framesPerSecond);
    private long _refilledAt = time.GetTimestamp();

    /// <summary>Takes one frame's token; returns how long the reader must wait first (zero when within budget).</summary>
    public TimeSpan Take()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(_rate, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * _rate));
        _refilledAt = now;
        _tokens -= 1;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _rate);
    }
}
