using PeerVault.Load.Bench;

namespace PeerVault.Tests.Load;

/// <summary>
/// A short bench against a real local cluster (four node processes): every phase reports, every
/// body read back matches what was written, and nothing errs. Speed is never asserted.
/// </summary>
[Trait("Category", "Distributed")]
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task A_short_run_against_four_nodes_reports_every_phase_and_verifies_every_get()
    {
        var workDirectory = Path.Combine(Path.GetTempPath(), $"peervault-bench-test-{Guid.NewGuid():N}");
        var options = new BenchOptions
        {
            Nodes = 4,
            LargeBytes = 4L << 20,
            ThroughBytes = 8L << 20,
            SmallCount = 40,
            Concurrency = [1, 4],
            PhaseDuration = TimeSpan.FromSeconds(20),
            Only = new HashSet<string>([BenchPhases.Large, BenchPhases.Through, BenchPhases.Small, BenchPhases.List], StringComparer.Ordinal),
            ResultPath = null,
            WorkDirectory = workDirectory,
        };
        try
        {
            var result = await BenchRunner.RunAsync(options, BenchProgress.Silent, TestContext.Current.CancellationToken);

            Assert.Equal(
                ["large put", "large get local", "large get peer", "through put", "through get", "small put c1", "small get c1", "small put c4", "small get c4", "list all", "small delete c1", "small delete c4"],
                result.Phases.Select(p => p.Name));
            Assert.Equal(0, result.Errors);
            Assert.Equal(0, result.VerificationFailures);
            Assert.Empty(result.Problems);
            Assert.All(result.Phases, p => Assert.Equal(4, p.Nodes.Count));
            Assert.All(result.Phases.Where(p => p.Name.Contains("get", StringComparison.Ordinal)), p => Assert.Equal(p.Operations, p.Verified));
            Assert.All(result.Phases.Where(p => p.Name.StartsWith("small", StringComparison.Ordinal)), p => Assert.Equal(40, p.Operations));
            Assert.NotEqual("local", result.Phases.Single(p => p.Name == "large get peer").Note?.Replace("served by ", string.Empty, StringComparison.Ordinal));
            // 80 small objects, the large object, its untimed warm-up twin and the through object.
            Assert.Equal(83, result.Phases.Single(p => p.Name == "list all").Verified);
            // Without the limits phase only the working-set check has a limit to be divided by.
            Assert.All(result.Phases.Where(p => p.Name.StartsWith("through", StringComparison.Ordinal)), p => Assert.NotNull(p.Ratio));
        }
        finally
        {
            if (Directory.Exists(workDirectory))
            {
                Directory.Delete(workDirectory, recursive: true);
            }
        }
    }
}
