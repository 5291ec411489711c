using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `memory`: the memory of a whole sequence with return_sequences (<see cref="MemoryForward"/>: forward, no hidden
/// cell, order 256, θ = 1,000, batch 4): fft, raw, chunked and sequential for T ∈ {100, 1,000, 10,000}, the mode
/// <c>auto</c> resolves to, and how far that is from the fastest of the four.
/// </summary>
static class MemoryModesBenchmark
{
    public const string Name = "memory";

    static readonly string[] Modes = ["fft", "raw", "chunked", "sequential"];

    public static BenchTable Run(bool quick)
    {
        int[] lengths = quick ? [100, 1_000] : [100, 1_000, 10_000];
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        foreach (int time in lengths)
        {
            var ms = Modes.ToDictionary(m => m, m =>
            {
                using var forward = new MemoryForward(m, time);
                return 1e3 * Timing.Measure(forward, Budget.For(quick)).Median;
            });
            string picked = LmuComputation.Auto.Resolve(MemoryForward.Options).ToString().ToLowerInvariant();
            double fastest = ms.Values.Min(), slowdown = ms[picked] / fastest - 1;
            foreach (var mode in Modes)
                rows.Add(new($"T = {time:N0} (auto: {picked})", mode, [ms[mode], ms[mode] / fastest, MemoryForward.Batch * time / ms[mode] / 1e3]));
            findings.Add(new($"auto_T{time}", $"T = {time:N0}: auto picks {picked}; fastest is {ms.MinBy(p => p.Value).Key}; auto is slower by",
                100 * slowdown, "%", "≤ 20%", slowdown <= 0.2));
        }
        return new BenchTable(Name, "Memory with return_sequences: fft, raw, chunked and sequential, and what auto picks",
            $"order {MemoryForward.Order}, θ = {MemoryForward.Theta:0}, batch {MemoryForward.Batch}, one memory channel, no hidden cell, forward without autograd, float32",
            [new("ms", "ms", "F2"), new("relative_to_fastest", "× fastest", "F2"), new("megasteps_per_second", "Msteps/s", "F2")],
            rows, findings, "ms", ChartLog: true);
    }
}
