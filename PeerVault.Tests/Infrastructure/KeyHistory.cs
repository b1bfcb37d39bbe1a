namespace PeerVault.Tests.Infrastructure;

/// <summary>
/// Everything one writer did to a key only it writes, in order, and whether the cluster
/// acknowledged each attempt. From that follows what the key may hold once the cluster has
/// settled: the outcome of the last acknowledged operation, or of any attempt made after it (an
/// unacknowledged write may have landed or not, but whole). Content is named by its SHA-256; a
/// delete (or a key never written) is null.
/// </summary>
public sealed class KeyHistory(string key)
{
    private readonly List<Attempt> _attempts = [];

    public string Key { get; } = key;

    /// <summary>What the last acknowledged operation left: content, or null after a delete; unknown if none was acknowledged.</summary>
    public (bool Known, string? Sha256) Acknowledged
    {
        get
        {
            lock (_attempts)
            {
                var last = _attempts.FindLast(a => a.Acknowledged);
                return last is null ? (false, null) : (true, last.Sha256);
            }
        }
    }

    public void Record(string? sha256, bool acknowledged, string description)
    {
        lock (_attempts)
        {
            _attempts.Add(new Attempt(sha256, acknowledged, description));
        }
    }

    /// <summary>The states the key may settle in: content hashes, and null for absent or deleted.</summary>
    public IReadOnlySet<string?> AllowedFinalStates()
    {
        lock (_attempts)
        {
            var last = _attempts.FindLastIndex(a => a.Acknowledged);
            var allowed = new HashSet<string?>();
            if (last < 0)
            {
                // Nothing was acknowledged: the key may still be absent.
                allowed.Add(null);
            }

            foreach (var attempt in _attempts.Skip(Math.Max(last, 0)))
            {
                allowed.Add(attempt.Sha256);
            }

            return allowed;
        }
    }

    public override string ToString()
    {
        lock (_attempts)
        {
            return $"'{Key}': " + string.Join(" → ", _attempts.Select(a => $"{a.Description} {(a.Acknowledged ? "acknowledged" : "unacknowledged")}"));
        }
    }

    private sealed record Attempt(string? Sha256, bool Acknowledged, string Description);
}
