using LmuSharp.Cli.Benchmarks.Workloads;
using LmuSharp.Runtime;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `runtime`: one step of the dependency-free streaming runtime (<see cref="RuntimeStep"/>) for the psMNIST
/// task's default model and a keyword-spotting-sized model, one stream and 64 streams batched (on one thread, and on one
/// thread per core), against the TorchSharp model's own single-step inference of the same model
/// (<see cref="TorchSharpStep"/>, at the run's TorchSharp threads); and the memory update's GFLOP/s
/// (a memory-only model) against one core's FMA peak measured in the same run.
/// </summary>
static class RuntimeBenchmark
{
    public const string Name = "runtime";

    static readonly int[] StreamCounts = [1, 64];

    /// <summary>Threads of the parallel runtime rows: one per core.</summary>
    static readonly int Cores = Environment.ProcessorCount;

    public static BenchTable Run(bool quick)
    {
        int steps = quick ? 10 : 100; // steps per timed run
        var budget = Budget.For(quick);
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        using var psMnist = StreamingModel.PsMnist();
        using var keywordSpotting = StreamingModel.KeywordSpotting();
        StreamingModel[] models = [psMnist, keywordSpotting];
        foreach (var model in models)
            foreach (int streams in StreamCounts)
            {
                double runtime = Runtime(model.Runtime, streams, steps, budget), torch = Torch(model, streams, steps, budget);
                rows.Add(StepRow(model.Name, $"runtime, {streams} stream{(streams > 1 ? "s" : "")}", runtime, streams));
                rows.Add(StepRow(model.Name, $"TorchSharp step, {streams} stream{(streams > 1 ? "s" : "")}", torch, streams));
                findings.Add(new($"speedup_{model.Name}_{streams}", $"{model.Name}, {streams} stream(s): runtime over TorchSharp step", torch / runtime, "×", "> 1×", torch > runtime));
                if (streams == 1 || Cores == 1) continue;
                double parallel = Runtime(model.Runtime, streams, steps, budget, Cores);
                rows.Add(StepRow(model.Name, $"runtime, {streams} streams, {Cores} threads", parallel, streams));
                findings.Add(ParallelFinding(model.Name, streams, torch / parallel));
            }

        double peak = FmaPeak.Gflops(1 << 20, quick ? 5 : 20);
        rows.Add(new("memory update", "FMA peak, one core", [null, null, peak, 100]));
        foreach (int order in new[] { 256, 468 })
            foreach (int streams in StreamCounts)
            {
                double seconds = Runtime(StreamingModel.MemoryOnly(order), streams, steps, budget);
                double gflops = streams * (2.0 * order * order + 2.0 * order) / seconds / 1e9, share = gflops / peak;
                rows.Add(new("memory update", $"order {order}, {streams} stream{(streams > 1 ? "s" : "")}", [1e6 * seconds, streams / seconds, gflops, 100 * share]));
                double bar = streams == 1 ? 0.25 : 0.5;
                findings.Add(new($"memory_update_of_peak_{order}_{streams}", $"memory update, order {order}, {streams} stream(s): share of one core's FMA peak",
                    100 * share, "%", $"≥ {100 * bar:F0}%", share >= bar));
            }
        return new BenchTable(Name, "Streaming runtime step vs TorchSharp single-step inference; memory-update GFLOP/s vs FMA peak",
            $"float32, seeded initial weights, the runtime running the TorchSharp model's export; {string.Join("; ", models.Select(m => $"{m.Name}: {m.Description}"))}; " +
            "memory update: one channel, no hidden layer, 2d² + 2d flops a stream-step; µs/step: one step of all streams; " +
            "steps/s: stream-steps per second; the runtime on one thread unless the row names more (LmuBatch's maxDegreeOfParallelism)",
            [new("us_per_step", "µs/step", "F1"), new("stream_steps_per_second", "steps/s", "N0"),
             new("gflops", "GFLOP/s", "F1"), new("percent_of_peak", "% peak", "F0")],
            rows, findings, "stream_steps_per_second", ChartLog: true);
    }

    /// <summary>
    /// The parallel runtime over TorchSharp's step. psMNIST's bar (≥ 1.5×) is judged only when TorchSharp had at least as
    /// many threads as the runtime (its default, all cores: not under a smaller <c>--threads</c>).
    /// </summary>
    static BenchFinding ParallelFinding(string model, int streams, double ratio)
    {
        int torchThreads = get_num_threads();
        string text = $"{model}, {streams} streams: runtime on {Cores} threads over TorchSharp step ({torchThreads} threads)";
        if (model != "psMNIST") return new($"speedup_{model}_{streams}_parallel", text, ratio, "×", "> 1×", ratio > 1);
        return new($"speedup_{model}_{streams}_parallel", text, ratio, "×", "≥ 1.5× with TorchSharp on as many threads", torchThreads >= Cores ? ratio >= 1.5 : null);
    }

    static BenchRow StepRow(string model, string label, double seconds, int streams) => new(model, label, [1e6 * seconds, streams / seconds, null, null]);

    /// <summary>Seconds per step of all <paramref name="streams"/> streams through <see cref="LmuBatch.Step"/> on up to <paramref name="threads"/> threads.</summary>
    static double Runtime(LmuModel model, int streams, int steps, Budget budget, int threads = 1)
    {
        using var step = new RuntimeStep(model, streams, steps, threads);
        return Timing.Measure(step, budget).Median / steps;
    }

    /// <summary>Seconds per step of the TorchSharp model's <c>step</c> and head on a [streams, inputs] batch, state carried.</summary>
    static double Torch(StreamingModel model, int streams, int steps, Budget budget)
    {
        using var step = new TorchSharpStep(model, streams, steps);
        return Timing.Measure(step, budget).Median / steps;
    }
}
