using BenchmarkDotNet.Running;

// dotnet run -c Release --project PeerVault.Benchmarks -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(PeerVault.Benchmarks.ObjectCipherBenchmarks).Assembly).Run(args);
