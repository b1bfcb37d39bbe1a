namespace PeerVault.Node.Net;

/// <summary>
/// One measurement of a peer's wall clock against this node's: how far ahead the peer's clock is
/// (<see cref="Offset"/>, negative when behind) and the round trip it was measured over, which
/// bounds its error to half of it.
/// </summary>
public readonly record struct ClockSample(TimeSpan Offset, TimeSpan RoundTrip)
{
    /// <summary>Samples whose round trip is longer say little (and a negative one means a clock stepped meanwhile).</summary>
    public static readonly TimeSpan MaxRoundTrip = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An exchange as NTP measures it: this node sent at <paramref name="sentMs"/>, the peer's clock
    /// read <paramref name="remoteMs"/> when it answered, and the answer arrived at
    /// <paramref name="receivedMs"/> (all Unix milliseconds). Assuming the way there took as long as
    /// the way back, the peer answered at the round trip's midpoint. Null when the round trip is
    /// negative or too long to be worth anything. Any 64-bit values are taken (a peer chooses its
    /// own): the arithmetic is in doubles, and an offset beyond what a TimeSpan holds is clamped.
    /// </summary>
    public static ClockSample? FromExchange(long sentMs, long remoteMs, long receivedMs)
    {
        var roundTrip = (double)receivedMs - sentMs;
        if (roundTrip < 0 || roundTrip > MaxRoundTrip.TotalMilliseconds)
        {
            return null;
        }

        var offset = remoteMs - (sentMs + (roundTrip / 2));
        return new ClockSample(Milliseconds(offset), TimeSpan.FromMilliseconds(roundTrip));
    }

    private static TimeSpan Milliseconds(double value)
        => TimeSpan.FromMilliseconds(Math.Clamp(value, TimeSpan.MinValue.TotalMilliseconds / 2, TimeSpan.MaxValue.TotalMilliseconds / 2));
}

/// <summary>
/// A peer's clock offset, estimated from the samples its connection takes (the handshake's, then
/// one per heartbeat): of the last <see cref="Window"/>, the one with the shortest round trip, as
/// NTP's clock filter picks, since a sample's error is at most half its round trip and queueing
/// only ever lengthens it (of equal ones, the newest). A clock that steps shows within
/// <see cref="Window"/> samples.
/// </summary>
public sealed class ClockOffsetEstimator
{
    public const int Window = 8;

    private readonly Lock _lock = new();
    private readonly ClockSample[] _samples = new ClockSample[Window];
    private int _count;
    private int _next;

    public void Add(ClockSample sample)
    {
        lock (_lock)
        {
            _samples[_next] = sample;
            _next = (_next + 1) % Window;
            _count = Math.Min(_count + 1, Window);
        }
    }

    /// <summary>The estimate (the best recent sample: its offset, and half its round trip as the uncertainty), or null before the first sample.</summary>
    public ClockSample? Current
    {
        get
        {
            lock (_lock)
            {
                // Newest first, so of equal round trips (loopback rounds most to 0 ms) the newest wins.
                ClockSample? best = null;
                for (var i = 1; i <= _count; i++)
                {
                    var sample = _samples[(_next - i + Window) % Window];
                    if (best is null || sample.RoundTrip < best.Value.RoundTrip)
                    {
                        best = sample;
                    }
                }

                return best;
            }
        }
    }
}
