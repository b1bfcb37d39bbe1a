using System.Diagnostics;
using System.Globalization;

namespace PeerVault.Load;

/// <summary>
/// One <c>PeerVault.Node</c> process the tool runs (<c>dotnet PeerVault.Node.dll</c>), with its
/// ports, data directory and settings fixed, so that it can be signalled and started again as the
/// same member on the same data. Its output goes to <c>&lt;name&gt;.log</c> beside its data.
/// </summary>
internal sealed class LocalNode(string name, string assembly, string directory, int httpPort, int peerPort, IReadOnlyDictionary<string, string> environment, int? s3Port = null) : IDisposable
{
    private Process? _process;

    public string Name { get; } = name;

    public Uri Endpoint { get; } = new($"http://127.0.0.1:{httpPort}");

    public int PeerPort { get; } = peerPort;

    /// <summary>The node's S3 endpoint (when it was given an S3 port).</summary>
    public Uri? S3Endpoint { get; } = s3Port is { } port ? new($"http://127.0.0.1:{port}") : null;

    public string DataDirectory => Path.Combine(directory, Name);

    public string LogPath => Path.Combine(directory, $"{Name}.log");

    /// <summary>The running process's id, or null while it is down.</summary>
    public int? Pid => _process is { HasExited: false } process ? process.Id : null;

    public void Start()
    {
        // sh execs dotnet, so the pid is the node's own; appending keeps the log of every run.
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec dotnet \"$0\" >>\"$1\" 2>&1");
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add(LogPath);
        foreach (var (variable, value) in environment)
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
        _process?.Dispose();
        _process = Process.Start(info) ?? throw new InvalidOperationException($"{Name} did not start.");
    }

    /// <summary>Sends SIGKILL or SIGTERM and waits until the process has exited.</summary>
    public async Task StopAsync(RestartMode mode, CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (mode == RestartMode.Term)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync(cancellationToken);
        }
        else
        {
            process.Kill();
        }

        await process.WaitForExitAsync(cancellationToken);
    }

    public void Dispose()
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
