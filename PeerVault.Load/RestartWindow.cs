namespace PeerVault.Load;

/// <summary>
/// When a node is being restarted, and a grace period after it is back and seen by its peers:
/// requests to that node in this window may fail without anything being wrong.
/// </summary>
internal sealed class RestartWindow(TimeSpan grace)
{
    private readonly Lock _lock = new();
    private DateTime? _opened;
    private DateTime? _closed;
    private int? _node;

    public TimeSpan Grace { get; } = grace;

    /// <summary>Opens the window for endpoint <paramref name="node"/> (null: any endpoint, when the restart is someone else's command).</summary>
    public void Open(int? node)
    {
        lock (_lock)
        {
            _node = node;
            _opened = DateTime.UtcNow;
            _closed = null;
        }
    }

    public void Close()
    {
        lock (_lock)
        {
            _closed = DateTime.UtcNow;
        }
    }

    /// <summary>Whether a request to <paramref name="endpoint"/> that ran from <paramref name="started"/> to <paramref name="ended"/> overlapped the restart of that node.</summary>
    public bool Covers(int endpoint, DateTime started, DateTime ended)
    {
        lock (_lock)
        {
            return (_node is null || _node == endpoint) && Overlaps(started, ended);
        }
    }

    /// <summary>Whether the request overlapped the restart of any node.</summary>
    public bool CoversAny(DateTime started, DateTime ended)
    {
        lock (_lock)
        {
            return Overlaps(started, ended);
        }
    }

    private bool Overlaps(DateTime started, DateTime ended)
        => _opened is { } opened && ended >= opened && (_closed is not { } closed || started <= closed + Grace);
}
