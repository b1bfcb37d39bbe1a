namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// The system's wall clock moved by a fixed offset, as a node whose NTP failed sees it. Timers and
/// timestamps (elapsed time) stay the system's, as a skewed wall clock leaves the monotonic clock
/// alone (libfaketime's <c>DONT_FAKE_MONOTONIC=1</c> does the same for a real process).
/// </summary>
public sealed class SkewedClock(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
