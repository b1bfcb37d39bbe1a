using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>The <c>chaos</c> command's arguments (README, "Chaos").</summary>
internal sealed record ChaosOptions
{
    public const string Usage = """
        usage: PeerVault.Load chaos [options]      (scripts/chaos.sh --seed N --minutes M --nodes K)
          --seed N                      seed of the schedule and of every client's choices (random; printed first)
          --minutes M                   minutes of faults (3; decimals allowed); then the faults heal, the clients stop and convergence is checked
          --nodes K                     nodes to start, 3..7 (5)
          --preset P                    all (every fault kind this machine allows, default), partition, skew (node1 +10 min and node2
                                        -10 min for the whole run, no other fault), skew-small (node1 +20 s for the whole run, no
                                        other fault: issue 27), restarts (as --restarts 100)
          --skew N:SECONDS              node N's clock this far off for the whole run, e.g. --skew 1:+20 --skew 2:-20 (repeatable;
                                        replaces the preset's skews)
          --faults K,K,...              the fault kinds to draw from instead (kill, pause, isolate, split, bridge, skew-small, skew-large,
                                        clock-back, disk-full, wipe, wipe-restart, add-node, remove-node; groups: process, partition,
                                        clock, disk, membership, all, none)
          --at-once N                   at most N faults at a time (3)
          --restarts N                  restart a random node N times, each followed within 100 ms of its readiness by a PUT or DELETE
                                        through it (the clients keep running; the schedule is not used)
          --clients N                   concurrent clients of small objects (6), plus one of large objects (see --large-mb)
          --keys N                      small keys, shared by every client so that writes collide (12)
          --large-mb N                  largest large object, 2..N MiB (32; 0: no large-object client)
          --timeout D                   per small request (10s; large ones get 6x)
          --node-env VAR=VALUE          extra node setting (repeatable)
          --out DIR                     history, summary and picture (artifacts/chaos/seed-N)
          --loopback                    run on loopback even where network namespaces are available
          --check FILE                  only check a recorded history.jsonl again (no nodes); writes the summary and picture beside it
          --plan                        only print the schedule the seed gives, and exit
        """;

    public int Seed { get; init; } = Random.Shared.Next();

    public TimeSpan FaultTime { get; init; } = TimeSpan.FromMinutes(3);

    public int Nodes { get; init; } = 5;

    public string Preset { get; init; } = "all";

    /// <summary>The fault kinds to draw from; null: the preset's.</summary>
    public IReadOnlySet<FaultKind>? Faults { get; init; }

    public int AtOnce { get; init; } = 3;

    /// <summary>Clock offsets (seconds) by node number for the whole run; null: the preset's.</summary>
    public IReadOnlyDictionary<int, double>? Skews { get; init; }

    /// <summary>The skews in force: <c>--skew</c>, else the preset's.</summary>
    public IReadOnlyDictionary<int, double> Clocks => Skews ?? Preset switch
    {
        "skew" => new Dictionary<int, double> { [1] = 600, [2] = -600 },
        "skew-small" => new Dictionary<int, double> { [1] = 20 },
        _ => new Dictionary<int, double>(),
    };

    /// <summary>Restart mode (the closing note's 100 restarts); 0: the fault schedule.</summary>
    public int Restarts { get; init; }

    public int Clients { get; init; } = 6;

    public int Keys { get; init; } = 12;

    public int LargeMiB { get; init; } = 32;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyDictionary<string, string> NodeEnvironment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? OutputDirectory { get; init; }

    public bool Loopback { get; init; }

    public string? CheckOnly { get; init; }

    public bool PlanOnly { get; init; }

    /// <summary>How long after the last fault healed every node must agree (the README's promise 5).</summary>
    public TimeSpan ConvergenceDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long after a membership change completes its weakened window lasts (rebalancing waits one sync interval of stable membership).</summary>
    public TimeSpan WeakenedTail { get; init; } = TimeSpan.FromSeconds(45);

    public string OutputPath => OutputDirectory ?? Path.Combine("artifacts", "chaos", $"seed-{Seed.ToString(CultureInfo.InvariantCulture)}");

    public static ChaosOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ChaosOptions();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--seed" => options with { Seed = int.TryParse(Value(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed) ? seed : throw new ArgumentException($"{name} is a whole number.") },
                "--minutes" => options with { FaultTime = TimeSpan.FromMinutes(PositiveDouble(name, Value())) },
                "--nodes" => options with { Nodes = Range(name, Value(), 3, 7) },
                "--preset" => options with { Preset = OneOf(name, Value(), Presets) },
                "--faults" => options with { Faults = FaultKinds.Parse(Value()) },
                "--at-once" => options with { AtOnce = Range(name, Value(), 1, 6) },
                "--skew" => options with { Skews = Skew(options.Skews, name, Value()) },
                "--restarts" => options with { Restarts = Range(name, Value(), 1, 100_000), Preset = "restarts" },
                "--clients" => options with { Clients = Range(name, Value(), 1, 256) },
                "--keys" => options with { Keys = Range(name, Value(), 1, 10_000) },
                "--large-mb" => options with { LargeMiB = Range(name, Value(), 0, 1024) },
                "--timeout" => options with { Timeout = SoakOptions.ParseDuration(name, Value()) },
                "--node-env" => options with { NodeEnvironment = NodeEnvironmentArgument.Add(environment, name, Value()) },
                "--out" => options with { OutputDirectory = Value() },
                "--loopback" => options with { Loopback = true },
                "--check" => options with { CheckOnly = Value() },
                "--plan" => options with { PlanOnly = true },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        if (options.Preset == "restarts" && options.Restarts == 0)
        {
            options = options with { Restarts = 100 };
        }

        if (options.Clocks.Keys.Any(n => n > options.Nodes))
        {
            throw new ArgumentException("--skew names a node beyond --nodes.");
        }

        if (options.LargeMiB is 1)
        {
            throw new ArgumentException("--large-mb is 0 (none) or at least 2.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("--timeout must be positive.");
        }

        return options;
    }

    public static readonly IReadOnlyList<string> Presets = ["all", "partition", "skew", "skew-small", "restarts"];

    private static Dictionary<int, double> Skew(IReadOnlyDictionary<int, double>? skews, string name, string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !int.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var node) || node < 1
            || !double.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new ArgumentException($"{name}: '{text}' is not NODE:SECONDS (e.g. 1:+20).");
        }

        return new Dictionary<int, double>(skews ?? new Dictionary<int, double>()) { [node] = seconds };
    }

    private static string OneOf(string name, string text, IReadOnlyList<string> allowed)
        => allowed.Contains(text, StringComparer.Ordinal) ? text : throw new ArgumentException($"{name} is one of {string.Join(", ", allowed)}.");

    private static int Range(string name, string text, int min, int max)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a whole number from {min} to {max}.");

    private static double PositiveDouble(string name, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= 24 * 60
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a positive number of minutes.");
}
