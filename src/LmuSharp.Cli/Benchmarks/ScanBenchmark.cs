using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `scan` (issue 4): the linear recurrence h_t = a_t ⊙ h_{t−1} + x_t through <see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/>,
/// float32, a of full shape: forward and backward throughput against a plain memory copy in the same process, and
/// against the same recurrence as per-step TorchSharp operations (at shorter T: they are slow).
/// Bytes read plus written per element: copy 8 (read x, write the copy), forward 12 (read a, x; write h),
/// backward 20 (read ∂L/∂h, a, h; write ∂L/∂x, ∂L/∂a). Every path allocates its output, as the copy does.
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
        foreach (var (b, t, c) in shapes)
        {
            string group = $"[{b}, {t:N0}, {c}]";
            using var x = randn(b, t, c);
            using var a = rand(b, t, c);
            using var gradH = randn(b, t, c);
            long elements = x.numel();
            var copy = Timing.Measure(() => x.clone().Dispose(), budget);
            var forward = Timing.Measure(() => { using var noGrad = no_grad(); LinearRecurrence.apply(x, a).Dispose(); }, budget);
            var backward = Backward(x, a, gradH, budget);
            double copyRate = 8 * elements / copy.Median;
            rows.Add(Row(group, "memory copy", copy, elements, 8, copyRate));
            rows.Add(Row(group, "scan forward", forward, elements, 12, copyRate));
            rows.Add(Row(group, "scan backward", backward, elements, 20, copyRate));
            double forwardShare = 12 * elements / forward.Median / copyRate, backwardShare = 20 * elements / backward.Median / copyRate;
            findings.Add(new($"forward_of_copy_{b}x{t}x{c}", $"{group}: forward GB/s as a share of copy GB/s", 100 * forwardShare, "%", "≥ 60% at full size", quick ? null : forwardShare >= 0.6));
            findings.Add(new($"backward_of_copy_{b}x{t}x{c}", $"{group}: backward GB/s as a share of copy GB/s", 100 * backwardShare, "%", "≥ 40% at full size", quick ? null : backwardShare >= 0.4));
        }

        foreach (var (pb, pt, pc) in perStepShapes)
        {
            string group = $"[{pb}, {pt:N0}, {pc}]";
            using var x = randn(pb, pt, pc);
            using var a = rand(pb, pt, pc);
            long elements = x.numel();
            var scan = Timing.Measure(() => { using var noGrad = no_grad(); LinearRecurrence.apply(x, a).Dispose(); }, budget);
            var perStep = Timing.Measure(() => PerStepTorch(x, a), budget);
            rows.Add(Row(group, "scan forward", scan, elements, 12, null));
            rows.Add(Row(group, "per-step TorchSharp ops", perStep, elements, 12, null));
            double speedup = perStep.Median / scan.Median;
            findings.Add(new($"speedup_over_per_step_{pb}x{pt}x{pc}", $"{group}: scan forward over per-step TorchSharp ops", speedup, "×", "none; ≈ 1000× expected", null));
        }
        return new BenchTable(Name, "Linear recurrence scan: forward and backward throughput vs memory copy and vs per-step TorchSharp ops",
            "h_t = a_t ⊙ h_{t−1} + x_t, float32, shapes [batch, time, channels], a of full shape, no h0; backward timed alone (forward done untimed)",
            [new("ms", "ms", "F2"), new("gelements_per_second", "Gelem/s", "F3"), new("gb_per_second", "GB/s", "F2"), new("percent_of_copy", "% copy", "F0")],
            rows, findings, "gelements_per_second", ChartLog: true);
    }

    static BenchRow Row(string group, string label, Measurement m, long elements, int bytesPerElement, double? copyRate)
    {
        double bytesPerSecond = bytesPerElement * elements / m.Median;
        return new(group, label, [1e3 * m.Median, elements / m.Median / 1e9, bytesPerSecond / 1e9, 100 * bytesPerSecond / copyRate]);
    }

    /// <summary>
    /// Backward alone: each run builds a fresh graph (untimed), then times h.backward(∂L/∂h) inside a dispose scope,
    /// as a training step runs it. Without the scope, the handles TorchSharp wraps around the gradients of a custom
    /// autograd function live until the .NET GC finalises them: every run then takes 1.2 GB of fresh, page-faulting
    /// memory, and the backward measured 1.2–2.4 s instead of ≈ 0.1 s.
    /// </summary>
    static Measurement Backward(Tensor x, Tensor a, Tensor gradH, Budget budget)
    {
        Tensor? xLeaf = null, aLeaf = null, h = null;
        return Timing.Measure(() => { using var scope = NewDisposeScope(); h!.backward([gradH]); }, budget,
            prepare: () =>
            {
                xLeaf = x.detach().requires_grad_();
                aLeaf = a.detach().requires_grad_();
                h = LinearRecurrence.apply(xLeaf, aLeaf);
            },
            cleanup: () =>
            {
                foreach (var t in new[] { xLeaf!.grad, aLeaf!.grad, h, xLeaf, aLeaf }) t?.Dispose();
            });
    }

    /// <summary>The recurrence as one set of tensor operations per time step (the naive way): h = a_t ⊙ h + x_t.</summary>
    static void PerStepTorch(Tensor x, Tensor a)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var h = zeros_like(x);
        var state = zeros(x.size(0), x.size(2));
        for (long t = 0; t < x.size(1); t++)
        {
            state = a.select(1, t) * state + x.select(1, t);
            h.select(1, t).copy_(state);
        }
    }
}
