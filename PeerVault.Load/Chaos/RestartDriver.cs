using System.Globalization;

namespace PeerVault.Load.Chaos;

/// <summary>
/// The restart case of issue 23: a random node SIGKILLed and started again on its data, N times;
/// the moment its <c>/health</c> says ready, a PUT or DELETE goes through it. The other clients
/// keep running; the checker judges every answer, and the final check that every node agrees.
/// </summary>
internal sealed class RestartDriver(ChaosCluster cluster, Workload workload, Nemesis nemesis, ChaosApi api, Random random, TextWriter output)
{
    /// <summary>Milliseconds from each readiness to the invocation of the write through that node.</summary>
    public List<double> ReadyToWriteMs { get; } = [];

    public async Task RunAsync(int count, CancellationToken cancellationToken)
    {
        var log = workload.Log;
        var client = new ChaosClient("restart", new Random(random.Next()), workload, large: false);
        for (var i = 1; i <= count && !cancellationToken.IsCancellationRequested; i++)
        {
            var targets = workload.Targets;
            var node = targets[random.Next(targets.Count)];
            var key = workload.SmallKeys[random.Next(workload.SmallKeys.Count)];
            var put = random.Next(2) == 0;
            var fault = log.FaultStarted(FaultKind.Kill.Name(), [node.Name], $"restart {i}/{count}: SIGKILL {node.Name}, start it again at once, then {(put ? "PUT" : "DELETE")} {key} through it");
            await ChaosCluster.KillAsync(node, cancellationToken);
            cluster.Start(node);
            log.FaultHealed(fault, $"{node.Name} started again");

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!await api.ReadyAsync(node.Endpoint, TimeSpan.FromSeconds(1), cancellationToken) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(5, cancellationToken);
            }

            var ready = log.NowMs;
            var operation = put
                ? await workload.PutAsync(client.Name, node, key, client.Value(key, random.Next(0, 512)), cancellationToken)
                : await workload.DeleteAsync(client.Name, node, key, cancellationToken);
            ReadyToWriteMs.Add(operation.InvokeMs - ready);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{log.NowMs / 1000,6:0.0}s] restart {i}/{count}: {node.Name} ready at {ready / 1000:0.000} s; {operation}"));
            nemesis.WatchIdentity(node, cancellationToken);
            await Task.Delay(random.Next(1000, 3000), cancellationToken);
        }
    }
}
