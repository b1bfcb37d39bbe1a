using PeerVault.Node.Hosting;
using PeerVault.Node.Security;

if (args is ["--probe", var probeUrl])
{
    // Container health checks: the runtime images have no curl, so the node probes itself.
    return await HealthProbe.RunAsync(probeUrl);
}

WebApplication app;
try
{
    app = NodeApplication.Build(args);
}
catch (NodeConfigurationException ex)
{
    // Refuse to start, loudly and at once: a node on the wrong key would write data nobody can read.
    await Console.Error.WriteLineAsync($"peervault-node: configuration error: {ex.Message}");
    return 2;
}

await app.RunAsync();
return 0;
