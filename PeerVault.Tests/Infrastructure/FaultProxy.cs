using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PeerVault.Tests.Infrastructure;

/// <summary>What a <see cref="FaultProxy"/> does with the connections it carries.</summary>
public enum FaultMode
{
    /// <summary>Passes bytes (and closes) both ways, as the network would.</summary>
    Forward,

    /// <summary>Resets every open connection and every new one at once: a link that is down and says so.</summary>
    Drop,

    /// <summary>
    /// Accepts connections but passes nothing on, neither bytes nor a close, and keeps every
    /// connection open: a link that silently loses everything, so only timeouts notice it. What is
    /// held is passed on if the proxy forwards again, as TCP would once a partition heals.
    /// </summary>
    Hold,
}

/// <summary>
/// A TCP proxy on a free loopback port whose link can be cut (<see cref="FaultMode.Drop"/>) or
/// frozen (<see cref="FaultMode.Hold"/>) at run time. The target is asked for on every new
/// connection, so it may be a process that starts (or restarts) after the proxy.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Func<Uri> _target;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Link, byte> _open = new();
    private readonly Lock _lock = new();
    private readonly Task _accepting;
    private TaskCompletionSource _forwarding = NewGate(open: true);
    private volatile FaultMode _mode = FaultMode.Forward;
    private long _accepted;
    private long _forwardedBytes;
    private long _pendingBytes;

    /// <param name="name">For messages, e.g. <c>node1→node2</c>.</param>
    /// <param name="target">Where to connect, asked for each new connection (<c>tcp://host:port</c>).</param>
    public FaultProxy(string name, Func<Uri> target)
    {
        Name = name;
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    public string Name { get; }

    /// <summary>The loopback port to dial instead of the target.</summary>
    public int Port { get; }

    /// <summary>Where to dial instead of the target, in the form service discovery takes.</summary>
    public string Address => $"tcp://127.0.0.1:{Port}";

    public FaultMode Mode => _mode;

    /// <summary>Connections accepted so far, whatever then happened to them.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Bytes passed on, both ways together.</summary>
    public long ForwardedBytes => Interlocked.Read(ref _forwardedBytes);

    /// <summary>Bytes read from one side and not (yet) passed on to the other: what a hold keeps.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>Connections open through the proxy right now (held ones included).</summary>
    public int OpenConnections => _open.Count;

    public override string ToString()
        => $"{Name} ({Mode}): {Accepted} accepted, {OpenConnections} open, {ForwardedBytes} bytes forwarded, {PendingBytes} held";

    public void SetMode(FaultMode mode)
    {
        lock (_lock)
        {
            if (_mode == mode)
            {
                return;
            }

            _mode = mode;
            if (mode == FaultMode.Forward)
            {
                _forwarding.TrySetResult();
            }
            else if (_forwarding.Task.IsCompleted)
            {
                _forwarding = NewGate(open: false);
            }
        }

        if (mode == FaultMode.Drop)
        {
            // A link added after the mode changed sees Drop itself (it is registered before it looks).
            foreach (var link in _open.Keys)
            {
                link.Abort();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var link in _open.Keys)
        {
            link.Abort();
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.SetResult();
        }

        return gate;
    }

    private Task WhileForwardingAsync(CancellationToken cancellationToken)
    {
        Task gate;
        lock (_lock)
        {
            gate = _forwarding.Task;
        }

        return gate.IsCompleted ? Task.CompletedTask : gate.WaitAsync(cancellationToken);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            client.NoDelay = true;
            _ = CarryAsync(new Link(client, _stopping.Token));
        }
    }

    private async Task CarryAsync(Link link)
    {
        _open.TryAdd(link, 0);
        Interlocked.Increment(ref _accepted);
        var token = link.CutToken;
        var graceful = false;
        try
        {
            if (_mode == FaultMode.Drop)
            {
                return;
            }

            // Held before it is even connected: the dialer sees an open connection that never answers.
            await WhileForwardingAsync(token);
            var target = _target();
            link.Upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                connect.CancelAfter(TimeSpan.FromSeconds(10));
                await link.Upstream.ConnectAsync(target.Host, target.Port, connect.Token);
            }

            await Task.WhenAll(PumpAsync(link.Client, link.Upstream, token), PumpAsync(link.Upstream, link.Client, token));
            graceful = true;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException or UriFormatException or InvalidOperationException or ArgumentException)
        {
            // The target is not there, a side reset, or the proxy cut the link: reset both sides.
        }
        finally
        {
            _open.TryRemove(link, out _);
            if (graceful)
            {
                link.Close();
            }
            else
            {
                link.Abort();
            }

            link.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            Interlocked.Add(ref _pendingBytes, read);
            try
            {
                // Read first, then wait: a read that was under way when the link froze passes nothing on.
                await WhileForwardingAsync(cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
                }

                Interlocked.Add(ref _forwardedBytes, read);
            }
            finally
            {
                // Passed on, or lost with the link.
                Interlocked.Add(ref _pendingBytes, -read);
            }
        }
    }

    /// <summary>One client connection and, once connected, its upstream connection.</summary>
    private sealed class Link(Socket client, CancellationToken stopping) : IDisposable
    {
        private readonly CancellationTokenSource _cut = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        private int _ended;

        public Socket Client { get; } = client;

        public Socket? Upstream { get; set; }

        public CancellationToken CutToken => _cut.Token;

        /// <summary>Ends both sides with a reset, which the peers see at once.</summary>
        public void Abort() => End(reset: true);

        /// <summary>Ends both sides after both directions were closed in order.</summary>
        public void Close() => End(reset: false);

        public void Dispose() => _cut.Dispose();

        private void End(bool reset)
        {
            foreach (var socket in new[] { Client, Upstream })
            {
                if (socket is null)
                {
                    continue;
                }

                try
                {
                    if (reset)
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Already closed.
                }

                socket.Dispose();
            }

            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                try
                {
                    _cut.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The link finished on its own meanwhile.
                }
            }
        }
    }
}
