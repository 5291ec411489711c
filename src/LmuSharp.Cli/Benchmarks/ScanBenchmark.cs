using LmuSharp.Cli.Benchmarks.Workloads;
using LmuSharp.Torch.Recurrence;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `scan`: the linear recurrence h_t = a_t ⊙ h_{t−1} + x_t through <see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/>
/// (<see cref="Scan"/>): forward and backward throughput against a plain memory copy in the same process, and against
/// the same recurrence as per-step TorchSharp operations (at shorter T: they are slow).
/// </summary>
static class ScanBenchmark
{
    public const string Name = "scan";

    /// <summary>A [batch, time, channels] shape: its row group, its key in finding names, its element count.</summary>
    readonly record struct Shape(int B, int T, int C)
    {
        public string Group => $"[{B}, {T:N0}, {C}]";
        public string Key => $"{B}x{T}x{C}";
        public long Elements => (long)B * T * C;
    }

    public static BenchTable Run(bool quick)
    {
        Shape[] shapes = quick ? [new(8, 1024, 512), new(1, 131_072, 64)] : [new(8, 8192, 1536), new(1, 1_048_576, 64)];
        // Per-step tensor ops cost the same whatever the width: a few hundred steps of wide rows, a few thousand of narrow ones.
        Shape[] perStepShapes = quick ? [new(8, 64, 512), new(1, 1024, 64)] : [new(8, 256, 1536), new(1, 4096, 64)];
        var budget = Budget.For(quick);
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        // One workload at a time: at full size each holds inputs of 400 MB and more.
        Measurement Time(ScanPath path, Shape s)
        {
            using var scan = new Scan(path, s.B, s.T, s.C);
            return Timing.Measure(scan, budget);
        }
        foreach (var shape in shapes)
        {
            var (copy, forward, backward) = (Time(ScanPath.Copy, shape), Time(ScanPath.Forward, shape), Time(ScanPath.Backward, shape));
            double copyRate = BytesPerSecond(shape, ScanPath.Copy, copy);
            rows.Add(Row(shape, "memory copy", copy, ScanPath.Copy, copyRate));
            rows.Add(Row(shape, "scan forward", forward, ScanPath.Forward, copyRate));
            rows.Add(Row(shape, "scan backward", backward, ScanPath.Backward, copyRate));
            double forwardShare = BytesPerSecond(shape, ScanPath.Forward, forward) / copyRate, backwardShare = BytesPerSecond(shape, ScanPath.Backward, backward) / copyRate;
            findings.Add(new($"forward_of_copy_{shape.Key}", $"{shape.Group}: forward GB/s as a share of copy GB/s", 100 * forwardShare, "%", "≥ 60% at full size", quick ? null : forwardShare >= 0.6));
            findings.Add(new($"backward_of_copy_{shape.Key}", $"{shape.Group}: backward GB/s as a share of copy GB/s", 100 * backwardShare, "%", "≥ 40% at full size", quick ? null : backwardShare >= 0.4));
        }

        foreach (var shape in perStepShapes)
        {
            var (scan, perStep) = (Time(ScanPath.Forward, shape), Time(ScanPath.PerStepOps, shape));
            rows.Add(Row(shape, "scan forward", scan, ScanPath.Forward, null));
            rows.Add(Row(shape, "per-step TorchSharp ops", perStep, ScanPath.PerStepOps, null));
            findings.Add(new($"speedup_over_per_step_{shape.Key}", $"{shape.Group}: scan forward over per-step TorchSharp ops", perStep.Median / scan.Median, "×", "none; ≈ 1000× expected", null));
        }
        return new BenchTable(Name, "Linear recurrence scan: forward and backward throughput vs memory copy and vs per-step TorchSharp ops",
            "h_t = a_t ⊙ h_{t−1} + x_t, float32, shapes [batch, time, channels], a of full shape, no h0; backward timed alone (forward done untimed); " +
            "bytes read plus written an element: copy 8, forward 12, backward 20; every path allocates its output",
            [new("ms", "ms", "F2"), new("gelements_per_second", "Gelem/s", "F3"), new("gb_per_second", "GB/s", "F2"), new("percent_of_copy", "% copy", "F0")],
            rows, findings, "gelements_per_second", ChartLog: true);
    }

    static double BytesPerSecond(Shape shape, ScanPath path, Measurement m) => Scan.BytesOf(path) * shape.Elements / m.Median;

    static BenchRow Row(Shape shape, string label, Measurement m, ScanPath path, double? copyRate)
    {
        double bytesPerSecond = BytesPerSecond(shape, path, m);
        return new(shape.Group, label, [1e3 * m.Median, shape.Elements / m.Median / 1e9, bytesPerSecond / 1e9, 100 * bytesPerSecond / copyRate]);
    }
}
