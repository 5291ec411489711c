using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `main-job`: the default `lmu train psmnist` model trained for one whole epoch of 50,000 samples, data handling
/// included (<see cref="PsMnistEpoch"/>), at one and two TorchSharp threads; beside it, the same model written as a
/// PyTorch user would (bench/peers/psmnist_lmu_parallel.py) on the same machine in the same run; and the step's
/// model-equivalent GFLOP/s against the two cores' FMA peak measured here too. LmuSharp's epochs are the ones a run
/// repeats: its one-time input windows (computed once per run, before the first epoch) are reported beside them, and a
/// second ratio counts them into one epoch.
/// </summary>
static class MainJobBenchmark
{
    public const string Name = "main-job";
    const string Peer = "psmnist_lmu_parallel.py";
    const int Pixels = PsMnistTrainStep.Pixels;

    public static BenchTable Run(bool quick)
    {
        int samples = quick ? 2_000 : 50_000;
        int threadsBefore = torch.get_num_threads();
        double peak = 2 * FmaPeak.Gflops(1 << 20, quick ? 5 : 20); // two cores, each at its measured peak
        var rows = new List<BenchRow>();
        double best = 0, bestFirst = 0, flopsPerSample = 0, oneTime = 0;
        string model = "";
        foreach (int threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            using var epoch = new PsMnistEpoch(samples);
            flopsPerSample = ModelFlopsPerSample(epoch.Config);
            model = $"order {epoch.Config.Order}, θ = {epoch.Config.Theta:0}, hidden {epoch.Config.Hidden}, batch {epoch.Config.BatchSize}";
            var m = Timing.Measure(epoch, new Budget(1, quick ? 1 : 3, 0));
            double rate = samples / m.Median;
            best = Math.Max(best, rate);
            oneTime = epoch.OneTimeSeconds;
            bestFirst = Math.Max(bestFirst, samples / (m.Median + oneTime));
            rows.Add(Row($"LmuSharp, {threads} thread{(threads > 1 ? "s" : "")}", m.Median, rate, 1e3 * m.Median / epoch.Steps, flopsPerSample, peak));
        }
        torch.set_num_threads(threadsBefore);

        var findings = new List<BenchFinding>();
        string? why = "--quick";
        var peer = quick ? null : PythonPeer.Run(Peer, out why);
        if (peer is { } p)
        {
            foreach (var r in p.Results)
                rows.Add(Row($"PyTorch {p.Version}, {r.Threads} thread{(r.Threads > 1 ? "s" : "")}", r.EpochSeconds, r.SamplesPerSecond, r.MsPerStep, flopsPerSample, peak));
            double peerBest = p.Results.Max(r => r.SamplesPerSecond);
            double ratio = best / peerBest;
            findings.Add(new("over_pytorch", "LmuSharp's best epoch throughput over PyTorch's best", ratio, "×", "≥ 3×", ratio >= 3));
            findings.Add(new("over_pytorch_first_epoch", "the same with LmuSharp's one-time input windows counted into its epoch", bestFirst / peerBest, "×", "", null));
        }

        findings.Add(new("one_time_seconds", $"LmuSharp's one-time input windows of all {samples:N0} samples (once per run, before its first epoch)", oneTime, "s", "", null));
        double share = best * flopsPerSample / 1e9 / peak;
        findings.Add(new("of_peak", "LmuSharp's best epoch in model-equivalent GFLOP/s, share of the two cores' FMA peak", 100 * share, "%", "≥ 50%", quick ? null : share >= 0.5));
        return new BenchTable(Name, "The main job: one psMNIST training epoch of the default model, LmuSharp vs the same model in PyTorch",
            $"lmu-parallel ({model}, float32, Adam); {samples:N0} random samples of 784 × 1, shuffled batches, data handling included; LmuSharp's " +
            $"epoch is the one a run repeats (its one-time input windows below); model-equivalent work {flopsPerSample / 1e6:F2} MFLOP a sample (the final-state product " +
            $"forward and backward plus the dense layers forward and backward, as a direct implementation performs it); FMA peak of two cores {peak:F0} GFLOP/s" +
            (peer is null ? $"; PyTorch peer not run: {why}" : ""),
            [new("epoch_seconds", "epoch s", "F2"), new("samples_per_second", "samples/s", "N0"), new("ms_per_step", "ms/step", "F2"),
             new("gflops", "GFLOP/s (model-equivalent)", "F1"), new("percent_of_peak", "% of 2-core peak", "F0")],
            rows, findings, "samples_per_second", ChartLog: false);
    }

    static BenchRow Row(string label, double epochSeconds, double samplesPerSecond, double msPerStep, double flopsPerSample, double peak)
    {
        double gflops = samplesPerSecond * flopsPerSample / 1e9;
        return new("", label, [epochSeconds, samplesPerSecond, msPerStep, gflops, 100 * gflops / peak]);
    }

    /// <summary>
    /// 2 × the multiply-adds a direct implementation performs per sample: m_T = u · H_rev (T·d) and its gradient with
    /// respect to u (T·d), then each dense layer forward, input gradient and weight gradient (3 · (d·n + n·10)).
    /// </summary>
    static double ModelFlopsPerSample(TrainConfig c) => 2.0 * (2.0 * Pixels * c.Order + 3.0 * (c.Order * c.Hidden + c.Hidden * 10.0));
}
