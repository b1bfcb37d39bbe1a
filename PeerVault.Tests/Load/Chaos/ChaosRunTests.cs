using System.Globalization;
using System.Text;
using PeerVault.Load.Chaos;

namespace PeerVault.Tests.Load.Chaos;

/// <summary>
/// A short chaos run against real node processes (each in a network namespace of its own when the
/// tests run as root, on loopback otherwise): 60 s of faults of every kind this machine allows,
/// drawn from a seed printed first (<c>PEERVAULT_CHAOS_SEED=N</c> replays it), concurrent clients,
/// then the history checked against the README's consistency model. Any anomaly fails the test,
/// with the seed and the paths of the history and the picture.
/// </summary>
[Trait("Category", "Distributed")]
public sealed class ChaosRunTests
{
    [Fact]
    public async Task A_short_seeded_schedule_of_faults_finds_no_anomaly()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PEERVAULT_CHAOS_SEED"), CultureInfo.InvariantCulture, out var given) ? given : Random.Shared.Next();
        var directory = Path.Combine(Path.GetTempPath(), $"peervault-chaos-test-{seed.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");
        var options = new ChaosOptions
        {
            Seed = seed,
            Nodes = 4,
            FaultTime = TimeSpan.FromSeconds(60),
            Clients = 4,
            Keys = 8,
            LargeMiB = 8,
            OutputDirectory = directory,
        };
        using var output = new TestOutputWriter();

        var outcome = await ChaosRunner.RunAsync(options, output, TestContext.Current.CancellationToken);

        var failures = outcome.Report.Anomalies.Where(a => a.Fails).Take(20).Select(a => $"{a.Kind}: {a.Message}");
        Assert.True(
            outcome.ExitCode == ChaosRunner.NoAnomaly,
            $"seed {seed} (replay: PEERVAULT_CHAOS_SEED={seed}); exit code {outcome.ExitCode}; history {outcome.HistoryPath}; picture {outcome.PicturePath}\n{string.Join('\n', failures)}");
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Hands every line the run prints to the test's output as it comes.</summary>
    private sealed class TestOutputWriter : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                TestContext.Current.TestOutputHelper?.WriteLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }
}
