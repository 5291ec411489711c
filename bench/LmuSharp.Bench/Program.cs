using BenchmarkDotNet.Running;

// All benchmarks: `dotnet run -c Release --project bench/LmuSharp.Bench -- --filter '*'`; list them with --list flat.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
