using BenchmarkDotNet.Running;
using PeerVault.Benchmarks.Scale;

// dotnet run -c Release --project PeerVault.Benchmarks -- --filter '*' [--job short]
// dotnet run -c Release --project PeerVault.Benchmarks -- scale [--objects 1000000]  (a million objects on one node)
if (args is ["scale", .. var rest])
{
    ScaleOptions scale;
    try
    {
        scale = ScaleOptions.Parse(rest);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(ScaleOptions.Usage);
        return 2;
    }

    return await ScaleRunner.RunAsync(scale);
}

BenchmarkSwitcher.FromAssembly(typeof(PeerVault.Benchmarks.BenchmarkKeys).Assembly).Run(args);
return 0;
