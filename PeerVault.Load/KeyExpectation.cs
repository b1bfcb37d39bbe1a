namespace PeerVault.Load;

/// <summary>
/// What one key, written by one client only, may hold when read: the content (by SHA-256) of the
/// last acknowledged PUT, or nothing after an acknowledged DELETE, plus whatever an unacknowledged
/// attempt since then wrote (it may have landed or not, but whole). Null stands for "absent".
/// </summary>
internal sealed class KeyExpectation(string key)
{
    // Never written: absent.
    private readonly HashSet<string?> _allowed = [null];

    public string Key { get; } = key;

    /// <summary>Exactly one state is possible: the key was acknowledged since any doubt.</summary>
    public bool IsExact => _allowed.Count == 1;

    /// <summary>Some state with content is possible (so a DELETE is meaningful).</summary>
    public bool MayBeLive => _allowed.Any(s => s is not null);

    public string? Exact => IsExact ? _allowed.First() : throw new InvalidOperationException($"'{Key}' is not exactly known.");

    public bool Allows(string? state) => _allowed.Contains(state);

    /// <summary>The cluster acknowledged a PUT (content) or DELETE (null): nothing else is possible now.</summary>
    public void Acknowledged(string? state)
    {
        _allowed.Clear();
        _allowed.Add(state);
    }

    /// <summary>An attempt got no acknowledgement: it may or may not have taken effect.</summary>
    public void Attempted(string? state) => _allowed.Add(state);

    public override string ToString() => string.Join(" or ", _allowed.Select(s => s is null ? "absent" : $"sha256 {s[..12]}…"));
}
