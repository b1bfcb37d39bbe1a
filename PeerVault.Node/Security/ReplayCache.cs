using System.Collections.Concurrent;

namespace PeerVault.Node.Security;

/// <summary>
/// Remembers the dialer nonces seen within the clock-skew window. A hello older than the window
/// is refused for its timestamp, so the cache never needs to hold more than one window's nonces.
/// </summary>
public sealed class ReplayCache(TimeProvider time, TimeSpan window)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Returns false if this nonce was already used.</summary>
    public bool TryRecord(ReadOnlySpan<byte> nonce)
    {
        var now = time.GetUtcNow();
        if (now >= _nextSweep)
        {
            _nextSweep = now + window;
            foreach (var (key, expiry) in _seen)
            {
                if (expiry < now)
                {
                    _seen.TryRemove(key, out _);
                }
            }
        }

        return _seen.TryAdd(Convert.ToBase64String(nonce), now + (2 * window));
    }
}
