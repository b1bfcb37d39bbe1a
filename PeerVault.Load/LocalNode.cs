using System.Diagnostics;
using System.Globalization;

namespace PeerVault.Load;

/// <summary>
/// One <c>PeerVault.Node</c> process the tool runs (<c>dotnet PeerVault.Node.dll</c>), with its
/// ports, data directory and settings fixed, so that it can be signalled and started again as the
/// same member on the same data. Its output goes to <c>&lt;name&gt;.log</c> beside its data.
/// </summary>
/// <param name="name">Its name (<c>PEERVAULT_NODE_NAME</c>).</param>
/// <param name="assembly">The node's <c>PeerVault.Node.dll</c>.</param>
/// <param name="directory">The work directory its data and log go under by default.</param>
/// <param name="httpPort">Its HTTP API's port.</param>
/// <param name="peerPort">Its peer port (<c>P2P_PORT</c>).</param>
/// <param name="environment">Settings shared by the cluster (secrets, bootstrap).</param>
/// <param name="host">The address its HTTP API binds and clients use (loopback unless the node has a network of its own).</param>
/// <param name="launcher">A command the node is started under, e.g. <c>ip netns exec NAME</c>; it must exec its arguments so the pid stays the node's.</param>
/// <param name="dataDirectory">Where its data lives (default: <c>&lt;directory&gt;/&lt;name&gt;</c>).</param>
/// <param name="logDirectory">Where its log goes (default: <paramref name="directory"/>).</param>
/// <param name="s3Port">Its S3 endpoint's port (<c>S3_PORT</c>), if it serves S3.</param>
internal sealed class LocalNode(
    string name,
    string assembly,
    string directory,
    int httpPort,
    int peerPort,
    IReadOnlyDictionary<string, string> environment,
    string host = "127.0.0.1",
    IReadOnlyList<string>? launcher = null,
    string? dataDirectory = null,
    string? logDirectory = null,
    int? s3Port = null) : IDisposable
{
    private readonly Lock _lock = new();
    private Process? _process;

    public string Name { get; } = name;

    public Uri Endpoint { get; } = new($"http://{host}:{httpPort}");

    public int PeerPort { get; } = peerPort;

    /// <summary>The node's S3 endpoint (when it was given an S3 port).</summary>
    public Uri? S3Endpoint { get; } = s3Port is { } port ? new($"http://{host}:{port}") : null;

    public string DataDirectory { get; } = dataDirectory ?? Path.Combine(directory, name);

    public string LogPath => Path.Combine(logDirectory ?? directory, $"{Name}.log");

    /// <summary>Settings added to (or replacing) the shared environment from the next start on, e.g. a fake clock.</summary>
    public Dictionary<string, string> StartEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>The running process's id, or null while it is down.</summary>
    public int? Pid
    {
        get
        {
            lock (_lock)
            {
                return _process is { HasExited: false } process ? process.Id : null;
            }
        }
    }

    public void Start()
    {
        // sh execs dotnet (and a launcher execs sh), so the pid is the node's own; appending keeps the log of every run.
        var prefix = launcher ?? [];
        var info = new ProcessStartInfo(prefix.Count > 0 ? prefix[0] : "/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var argument in prefix.Skip(1).Concat(prefix.Count > 0 ? ["/bin/sh"] : []))
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec dotnet \"$0\" >>\"$1\" 2>&1");
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add(LogPath);
        foreach (var (variable, value) in environment.Concat(StartEnvironment))
        {
            info.Environment[variable] = value;
        }

        info.Environment["PEERVAULT_NODE_NAME"] = Name;
        info.Environment["PEERVAULT_DATA_DIR"] = DataDirectory;
        info.Environment["P2P_PORT"] = PeerPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["ASPNETCORE_URLS"] = Endpoint.ToString().TrimEnd('/');
        if (S3Endpoint is not null)
        {
            info.Environment["S3_PORT"] = S3Endpoint.Port.ToString(CultureInfo.InvariantCulture);
        }

        lock (_lock)
        {
            _process?.Dispose();
            _process = Process.Start(info) ?? throw new InvalidOperationException($"{Name} did not start.");
        }
    }

    /// <summary>Sends SIGKILL or SIGTERM and waits until the process has exited.</summary>
    public async Task StopAsync(RestartMode mode, CancellationToken cancellationToken)
    {
        Process? running;
        lock (_lock)
        {
            running = _process is { HasExited: false } process ? process : null;
        }

        if (running is null)
        {
            return;
        }

        if (mode == RestartMode.Term)
        {
            await SignalAsync("TERM", cancellationToken);
        }
        else
        {
            running.Kill();
        }

        await running.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Sends a signal by name (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>) to the running process; false if it is down.</summary>
    public async Task<bool> SignalAsync(string signal, CancellationToken cancellationToken)
    {
        if (Pid is not { } pid)
        {
            return false;
        }

        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
        return kill.ExitCode == 0;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill();
                process.WaitForExit();
            }

            _process?.Dispose();
            _process = null;
        }
    }
}
