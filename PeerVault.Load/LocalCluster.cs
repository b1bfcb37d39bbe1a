using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace PeerVault.Load;

/// <summary>
/// Three nodes on this machine, started as the README's "three nodes by hand" does it: fresh
/// secrets, loopback ports, one data directory each under the work directory, each node
/// bootstrapped with every node's peer port.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private LocalCluster(string directory, string apiKey, (string AccessKey, string SecretKey) s3, IReadOnlyList<LocalNode> nodes)
    {
        Directory = directory;
        ApiKey = apiKey;
        S3 = s3;
        Nodes = nodes;
    }

    public string Directory { get; }

    public string ApiKey { get; }

    public IReadOnlyList<LocalNode> Nodes { get; }

    /// <summary>The admin S3 pair every node accepts on its S3 endpoint.</summary>
    public (string AccessKey, string SecretKey) S3 { get; }

    public static LocalCluster Start(string directory, IReadOnlyDictionary<string, string> settings, int count = 3)
    {
        var assembly = NodeAssembly();
        var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var ports = FreePorts(count * 3);
        var s3 = ("BENCH" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PEERVAULT_CLUSTER_KEY"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["PEERVAULT_AUTH_TOKEN"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            ["PEERVAULT_API_KEY"] = apiKey,
            ["PEERVAULT_S3_ACCESS_KEY"] = s3.Item1,
            ["PEERVAULT_S3_SECRET_KEY"] = s3.Item2,
            ["PEERVAULT_BOOTSTRAP"] = string.Join(',', Enumerable.Range(0, count).Select(i => $"127.0.0.1:{ports[(2 * i) + 1]}")),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        foreach (var (variable, value) in settings)
        {
            environment[variable] = value;
        }

        System.IO.Directory.CreateDirectory(directory);
        var nodes = Enumerable.Range(0, count).Select(i => new LocalNode($"node{i + 1}", assembly, directory, ports[2 * i], ports[(2 * i) + 1], environment, s3Port: ports[(2 * count) + i])).ToList();
        foreach (var node in nodes)
        {
            node.Start();
        }

        return new LocalCluster(directory, apiKey, s3, nodes);
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }
    }

    /// <summary>The node's assembly from the same build as this tool (the project reference builds it).</summary>
    internal static string NodeAssembly()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = output.Parent?.Parent?.Parent?.Parent?.FullName ?? throw new InvalidOperationException($"Cannot place {output} in the solution.");
        var path = Path.Combine(root, "PeerVault.Node", "bin", output.Parent!.Name, output.Name, "PeerVault.Node.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"PeerVault.Node is not built at {path}; build the solution in the same configuration.", path);
    }

    internal static List<int> FreePorts(int count)
    {
        // Hold every listener until all are picked, so no port is handed out twice.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
