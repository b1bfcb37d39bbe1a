using System.Globalization;

namespace PeerVault.Load;

/// <summary>How a node is taken down in the middle of a soak.</summary>
internal enum RestartMode
{
    /// <summary>SIGKILL: no chance to flush or say goodbye.</summary>
    Kill,

    /// <summary>SIGTERM: a graceful shutdown.</summary>
    Term,

    /// <summary>No restart.</summary>
    None,
}

/// <summary>The soak command's arguments.</summary>
internal sealed record SoakOptions
{
    public const string Usage = """
        usage: PeerVault.Load soak [options]
          (no --endpoints)              start a local three-node cluster (PeerVault.Node processes) and soak it
          --endpoints URL,URL,...       soak nodes that already run instead
          --api-key KEY                 the admin API key (--endpoints; a local cluster makes its own)
          --clients N                   concurrent clients, each with its own keys (50)
          --duration D                  how long: 90s, 5m, 1h (5m)
          --keys-per-client N           keys each client owns (20)
          --restart kill|term|none      how the local cluster's restarted node goes down, in the middle (kill)
          --restart-node N              which node (1-based) is restarted (2)
          --down-for D                  how long it stays down before it is started again (10s)
          --restart-command CMD         with --endpoints: run CMD (sh -c) in the middle; its run is the restart window
          --pids PID,PID,...            with --endpoints: node processes to sample (/proc)
          --node-env VAR=VALUE          extra node setting for a local cluster (repeatable)
          --idle D                      after the check, keep sampling the idle nodes this long (30s): what load left behind
          --seed N                      seed of the workload (random)
          --out FILE                    JSON result (soak-result.json)
          --work-dir DIR                where a local cluster keeps data and logs (a new temp directory; kept on failure)
        """;

    public IReadOnlyList<Uri> Endpoints { get; init; } = [];

    public string? ApiKey { get; init; } = Environment.GetEnvironmentVariable("PEERVAULT_API_KEY");

    public int Clients { get; init; } = 50;

    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    public int KeysPerClient { get; init; } = 20;

    public RestartMode Restart { get; init; } = RestartMode.Kill;

    public int RestartNode { get; init; } = 2;

    public TimeSpan DownFor { get; init; } = TimeSpan.FromSeconds(10);

    public string? RestartCommand { get; init; }

    public IReadOnlyList<int> Pids { get; init; } = [];

    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(30);

    public int Seed { get; init; } = Random.Shared.Next();

    public string ResultPath { get; init; } = "soak-result.json";

    public string? WorkDirectory { get; init; }

    /// <summary>Whether the tool starts and owns the cluster.</summary>
    public bool Local => Endpoints.Count == 0;

    public static SoakOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SoakOptions();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--endpoints" => options with { Endpoints = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u))] },
                "--api-key" => options with { ApiKey = Value() },
                "--clients" => options with { Clients = Positive(name, Value()) },
                "--duration" => options with { Duration = ParseDuration(name, Value()) },
                "--keys-per-client" => options with { KeysPerClient = Positive(name, Value()) },
                "--restart" => options with { Restart = Enum.TryParse<RestartMode>(Value(), ignoreCase: true, out var mode) ? mode : throw new ArgumentException($"{name} is kill, term or none.") },
                "--restart-node" => options with { RestartNode = Positive(name, Value()) },
                "--down-for" => options with { DownFor = ParseDuration(name, Value()) },
                "--restart-command" => options with { RestartCommand = Value() },
                "--pids" => options with { Pids = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => Positive(name, p))] },
                "--node-env" => options with { NodeEnvironment = NodeEnvironmentArgument.Add(environment, name, Value()) },
                "--idle" => options with { Idle = ParseDuration(name, Value()) },
                "--seed" => options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--out" => options with { ResultPath = Value() },
                "--work-dir" => options with { WorkDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        if (!options.Local && string.IsNullOrEmpty(options.ApiKey))
        {
            throw new ArgumentException("--endpoints needs --api-key (or PEERVAULT_API_KEY).");
        }

        if (options.Local && options.RestartNode > 3)
        {
            throw new ArgumentException("--restart-node is 1, 2 or 3 for a local cluster.");
        }

        return options;
    }

    /// <summary><c>90</c> or <c>90s</c>, <c>5m</c>, <c>1h</c>.</summary>
    public static TimeSpan ParseDuration(string name, string text)
    {
        if (text.Length == 0)
        {
            throw new ArgumentException($"{name}: a duration (90s, 5m, 1h) is needed.");
        }

        var unit = text[^1];
        var number = char.IsAsciiDigit(unit) ? text : text[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new ArgumentException($"{name}: '{text}' is not a duration (90s, 5m, 1h).");
        }

        return unit switch
        {
            'h' => TimeSpan.FromHours(value),
            'm' => TimeSpan.FromMinutes(value),
            's' or (>= '0' and <= '9') => TimeSpan.FromSeconds(value),
            _ => throw new ArgumentException($"{name}: '{text}' is not a duration (90s, 5m, 1h)."),
        };
    }

    private static int Positive(string name, string text)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : throw new ArgumentException($"{name}: '{text}' is not a positive number.");
}
