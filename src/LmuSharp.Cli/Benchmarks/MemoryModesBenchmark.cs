using LmuSharp.Torch;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `memory` (issue 3): the memory of a whole sequence with return_sequences (forward, no hidden cell) at
/// order 256, θ = 1,000, batch 4: fft, raw, chunked and sequential for T ∈ {100, 1,000, 10,000}, the mode
/// <c>auto</c> resolves to, and how far that is from the fastest of the four.
/// </summary>
static class MemoryModesBenchmark
{
    public const string Name = "memory";

    static readonly string[] Modes = ["fft", "raw", "chunked", "sequential"];

    public static BenchTable Run(bool quick)
    {
        int[] lengths = quick ? [100, 1_000] : [100, 1_000, 10_000];
        const int order = 256, batch = 4;
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        foreach (int time in lengths)
        {
            using var x = randn(batch, time, 1);
            var ms = Modes.ToDictionary(m => m, m => 1e3 * Measure(m, x, order, quick).Median);
            string picked = LmuComputation.Auto.Resolve(Options(order)).ToString().ToLowerInvariant();
            double fastest = ms.Values.Min(), slowdown = ms[picked] / fastest - 1;
            foreach (var mode in Modes)
                rows.Add(new($"T = {time:N0} (auto: {picked})", mode, [ms[mode], ms[mode] / fastest, batch * time / ms[mode] / 1e3]));
            findings.Add(new($"auto_T{time}", $"T = {time:N0}: auto picks {picked}; fastest is {ms.MinBy(p => p.Value).Key}; auto is slower by",
                100 * slowdown, "%", "≤ 20%", slowdown <= 0.2));
        }
        return new BenchTable(Name, "Memory with return_sequences: fft, raw, chunked and sequential, and what auto picks",
            $"order {order}, θ = 1000, batch {batch}, one memory channel, no hidden cell, forward without autograd, float32",
            [new("ms", "ms", "F2"), new("relative_to_fastest", "× fastest", "F2"), new("megasteps_per_second", "Msteps/s", "F2")],
            rows, findings, "ms", ChartLog: true);
    }

    static LmuOptions Options(int order) => new(1, order, 1000) { ReturnSequences = true };

    static Measurement Measure(string mode, Tensor x, int order, bool quick)
    {
        manual_seed(0);
        using var layer = new Lmu(Options(order), Enum.Parse<LmuMode>(mode, ignoreCase: true));
        layer.eval();
        return Timing.Measure(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            layer.call(x, null);
        }, Budget.For(quick));
    }
}
