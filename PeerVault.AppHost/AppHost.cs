using PeerVault.Hosting;
using PeerVault.Hosting.Publishing;

var builder = DistributedApplication.CreateBuilder(args);

// --publisher manifest is Aspire's; docker-compose and kubernetes are PeerVault's own steps.
if (!builder.TryAddPeerVaultPublishing(out var refusal) || !builder.Configuration.TryGetNodeCount(fallback: 3, out var nodes, out refusal))
{
    Console.Error.WriteLine(refusal);
    return 2;
}

// node1..nodeN: separate processes that find each other through service discovery, sharing a
// cluster key and auth token generated on the first run and kept in this project's user secrets.
var cluster = builder.AddPeerVaultCluster<Projects.PeerVault_Node>(nodes: nodes);

// Stores 20 files and a 3 MiB one through the last node and reads each back through every node.
// It uses the cluster as any service would: its connection string (AddPeerVaultClient("peervault")).
builder.AddProject<Projects.PeerVault_DemoClient>("demo")
    .WithoutHttpsCertificate()
    .WithReference(cluster)
    .WaitFor(cluster)
    .WithEnvironment("DEMO_TARGET", cluster.Resource.Nodes[^1].Name)
    .WithOutputOnAppHostConsole();

// --exit-after demo: stop when the demo ends and exit with its code (scripts, CI).
var exitAfter = ExitAfter.FromCommandLine(builder);
return await exitAfter.RunAsync(builder.Build());
