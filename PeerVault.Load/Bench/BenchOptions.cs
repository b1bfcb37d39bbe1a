using System.Globalization;

namespace PeerVault.Load.Bench;

/// <summary>The phases a run can be limited to with <c>--only</c>.</summary>
internal static class BenchPhases
{
    public const string Limits = "limits";
    public const string Large = "large";
    public const string Through = "through";
    public const string Small = "small";
    public const string Mixed = "mixed";
    public const string List = "list";

    /// <summary>The same large and small workloads through S3 and the native API side by side (local cluster only).</summary>
    public const string S3 = "s3";

    public static readonly IReadOnlyList<string> All = [Limits, Large, Through, Small, Mixed, List, S3];
}

/// <summary>The bench command's arguments (<c>PeerVault.Load bench</c>, and <c>peervault bench</c> builds the same record).</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: PeerVault.Load bench [options]
          (no --endpoint)               start a local cluster of PeerVault.Node processes (Release build) and measure it
          --endpoint URL                measure nodes that already run instead (repeatable, or comma-separated)
          --api-key KEY                 their admin API key (default PEERVAULT_API_KEY)
          --pids PID,PID,...            with --endpoint: the node processes, in endpoint order, to sample memory and CPU
          --nodes N                     nodes of the local cluster (4; R=3, W=2, so one node of every key is not a replica)
          --large-mb N                  size of the large object (256)
          --through-mb N                size of the object that passes through a non-replica node while its memory is watched (1024)
          --small-count N               at most this many operations per small phase (20000)
          --small-size BYTES            size of the small objects (4096)
          --concurrency N,N,...         small-object concurrencies (1,8,32,128)
          --duration D                  at most this long per small phase and for the mixed phase: 10s, 1m (10s)
          --only P,P,...                phases: limits, large, through, small, mixed, list, s3 (all)
          --node-env VAR=VALUE          extra node setting for a local cluster (repeatable)
          --prefix P                    key prefix of the objects written (bench/); a run adds its id
          --keep                        leave the objects in place (default: delete what the run wrote)
          --json FILE                   JSON result (bench-result.json)
          --work-dir DIR                local cluster data and logs, and where disk limits are measured (a new temp directory)
        """;

    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    public string? ApiKey { get; init; } = Environment.GetEnvironmentVariable("PEERVAULT_API_KEY");

    public IReadOnlyList<int> Pids { get; init; } = [];

    public int Nodes { get; init; } = 4;

    public long LargeBytes { get; init; } = 256L << 20;

    public long ThroughBytes { get; init; } = 1024L << 20;

    public int SmallCount { get; init; } = 20_000;

    public int SmallBytes { get; init; } = 4096;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 8, 32, 128];

    public TimeSpan PhaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>(BenchPhases.All, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string Prefix { get; init; } = "bench/";

    public bool Keep { get; init; }

    public string? ResultPath { get; init; } = "bench-result.json";

    public string? WorkDirectory { get; init; }

    /// <summary>Whether the tool starts and owns the cluster.</summary>
    public bool Local => Endpoints.Count == 0;

    public bool Runs(string phase) => Only.Contains(phase);

    /// <exception cref="ArgumentException">An unknown option or a value that cannot work; the message says which.</exception>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        var endpoints = new List<Uri>();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--endpoint" or "--endpoints" => options with { Endpoints = AddEndpoints(endpoints, name, Value()) },
                "--api-key" => options with { ApiKey = Value() },
                "--pids" => options with { Pids = PositiveList(name, Value()) },
                "--nodes" => options with { Nodes = Positive(name, Value()) },
                "--large-mb" => options with { LargeBytes = (long)Positive(name, Value()) << 20 },
                "--through-mb" => options with { ThroughBytes = (long)Positive(name, Value()) << 20 },
                "--small-count" => options with { SmallCount = Positive(name, Value()) },
                "--small-size" => options with { SmallBytes = Positive(name, Value()) },
                "--concurrency" => options with { Concurrency = PositiveList(name, Value()) },
                "--duration" => options with { PhaseDuration = SoakOptions.ParseDuration(name, Value()) },
                "--only" => options with { Only = ParseOnly(Value()) },
                "--node-env" => options with { NodeEnvironment = NodeEnvironmentArgument.Add(environment, name, Value()) },
                "--prefix" => options with { Prefix = Value() },
                "--keep" => options with { Keep = true },
                "--json" => options with { ResultPath = Value() },
                "--work-dir" => options with { WorkDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        return options.Validate();
    }

    /// <summary>The checks that need several options together; returns the options unchanged.</summary>
    public BenchOptions Validate()
    {
        if (!Local && string.IsNullOrEmpty(ApiKey))
        {
            throw new ArgumentException("--endpoint needs --api-key (or PEERVAULT_API_KEY).");
        }

        if (Local && Nodes is < 1 or > 16)
        {
            throw new ArgumentException("--nodes is 1 to 16.");
        }

        if (PhaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException("--duration must be more than zero.");
        }

        return this;
    }

    /// <summary>A comma-separated subset of <see cref="BenchPhases.All"/>.</summary>
    public static HashSet<string> ParseOnly(string text)
    {
        var phases = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var unknown = phases.Except(BenchPhases.All).ToList();
        if (unknown.Count > 0 || phases.Count == 0)
        {
            throw new ArgumentException($"--only: '{text}' is not a list of {string.Join(", ", BenchPhases.All)}.");
        }

        return phases;
    }

    /// <summary><c>1,8,32,128</c>: each a positive number.</summary>
    public static List<int> PositiveList(string name, string text)
    {
        var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Positive(name, v)).ToList();
        return values.Count > 0 ? values : throw new ArgumentException($"{name}: '{text}' is not a list of positive numbers.");
    }

    private static int Positive(string name, string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : throw new ArgumentException($"{name}: '{text}' is not a positive number.");

    private static List<Uri> AddEndpoints(List<Uri> endpoints, string name, string text)
    {
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            endpoints.Add(Uri.TryCreate(part, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri : throw new ArgumentException($"{name}: '{part}' is not an http(s) URL."));
        }

        return [.. endpoints];
    }
}
