using LmuSharp.Cli.Benchmarks.Workloads;
using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `scan`: the linear recurrence h_t = a_t ⊙ h_{t−1} + x_t through <see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/>
/// (<see cref="Scan"/>): forward and backward throughput against a plain memory copy in the same process, and against
/// the same recurrence as per-step TorchSharp operations (at shorter T: they are slow).
/// </summary>
static class ScanBenchmark
{
    public const string Name = "scan";

    public static BenchTable Run(bool quick)
    {
        (int B, int T, int C)[] shapes = quick ? [(8, 1024, 512), (1, 131_072, 64)] : [(8, 8192, 1536), (1, 1_048_576, 64)];
        // Per-step ops cost ≈ 10 µs a step whatever the width: a few hundred steps of wide rows, a few thousand of narrow ones.
        (int B, int T, int C)[] perStepShapes = quick ? [(8, 64, 512), (1, 1024, 64)] : [(8, 256, 1536), (1, 4096, 64)];
        var budget = Budget.For(quick);
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        // One workload at a time: at full size each holds inputs of 400 MB and more.
        Measurement Time(ScanPath path, (int B, int T, int C) s)
        {
            using var scan = new Scan(path, s.B, s.T, s.C);
            return Timing.Measure(scan, budget);
        }
        foreach (var shape in shapes)
        {
            var (b, t, c) = shape;
            string group = $"[{b}, {t:N0}, {c}]";
            long elements = (long)b * t * c;
            var copy = Time(ScanPath.Copy, shape);
            var forward = Time(ScanPath.Forward, shape);
            var backward = Time(ScanPath.Backward, shape);
            double copyRate = Scan.BytesOf(ScanPath.Copy) * elements / copy.Median;
            rows.Add(Row(group, "memory copy", copy, elements, ScanPath.Copy, copyRate));
            rows.Add(Row(group, "scan forward", forward, elements, ScanPath.Forward, copyRate));
            rows.Add(Row(group, "scan backward", backward, elements, ScanPath.Backward, copyRate));
            double forwardShare = Scan.BytesOf(ScanPath.Forward) * elements / forward.Median / copyRate;
            double backwardShare = Scan.BytesOf(ScanPath.Backward) * elements / backward.Median / copyRate;
            findings.Add(new($"forward_of_copy_{b}x{t}x{c}", $"{group}: forward GB/s as a share of copy GB/s", 100 * forwardShare, "%", "≥ 60% at full size", quick ? null : forwardShare >= 0.6));
            findings.Add(new($"backward_of_copy_{b}x{t}x{c}", $"{group}: backward GB/s as a share of copy GB/s", 100 * backwardShare, "%", "≥ 40% at full size", quick ? null : backwardShare >= 0.4));
        }

        foreach (var shape in perStepShapes)
        {
            var (pb, pt, pc) = shape;
            string group = $"[{pb}, {pt:N0}, {pc}]";
            long elements = (long)pb * pt * pc;
            var scan = Time(ScanPath.Forward, shape);
            var perStep = Time(ScanPath.PerStepOps, shape);
            rows.Add(Row(group, "scan forward", scan, elements, ScanPath.Forward, null));
            rows.Add(Row(group, "per-step TorchSharp ops", perStep, elements, ScanPath.PerStepOps, null));
            double speedup = perStep.Median / scan.Median;
            findings.Add(new($"speedup_over_per_step_{pb}x{pt}x{pc}", $"{group}: scan forward over per-step TorchSharp ops", speedup, "×", "none; ≈ 1000× expected", null));
        }
        return new BenchTable(Name, "Linear recurrence scan: forward and backward throughput vs memory copy and vs per-step TorchSharp ops",
            "h_t = a_t ⊙ h_{t−1} + x_t, float32, shapes [batch, time, channels], a of full shape, no h0; backward timed alone (forward done untimed); " +
            "bytes read plus written an element: copy 8, forward 12, backward 20; every path allocates its output",
            [new("ms", "ms", "F2"), new("gelements_per_second", "Gelem/s", "F3"), new("gb_per_second", "GB/s", "F2"), new("percent_of_copy", "% copy", "F0")],
            rows, findings, "gelements_per_second", ChartLog: true);
    }

    static BenchRow Row(string group, string label, Measurement m, long elements, ScanPath path, double? copyRate)
    {
        double bytesPerSecond = Scan.BytesOf(path) * elements / m.Median;
        return new(group, label, [1e3 * m.Median, elements / m.Median / 1e9, bytesPerSecond / 1e9, 100 * bytesPerSecond / copyRate]);
    }
}
