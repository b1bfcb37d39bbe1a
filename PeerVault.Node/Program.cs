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
catch (Exception ex) when (StartupFailure.Describe(ex) is { } reason)
{
    return await StartupFailure.RefuseAsync(reason);
}

await using (app)
{
    try
    {
        await app.StartAsync();
    }
    catch (Exception ex) when (StartupFailure.Describe(ex) is { } reason)
    {
        // Stop what did start, so background services end as in any shutdown, not as failures.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(grace.Token);
        return await StartupFailure.RefuseAsync(reason);
    }

    await app.WaitForShutdownAsync();
}

return 0;
