using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `linear-rnn`: Martin &amp; Cundy's (2018) whole-model speed-up table on this CPU (<see cref="LinearRnnTrainStep"/>:
/// two layers of 256 units, 4 inputs, batch × T = 65,536, forward + backward): SRU, QRNN-2, QRNN-10 and GILR-LSTM
/// stepped in TorchSharp ops against the same models on the linear-recurrence kernel, for T ∈ {16, 256, 4,096, 65,536}.
/// </summary>
static class LinearRnnBenchmark
{
    public const string Name = "linear-rnn";

    public static BenchTable Run(bool quick)
    {
        int total = quick ? 1_024 : 65_536;
        int[] lengths = quick ? [16, 256] : [16, 256, 4_096, 65_536];
        // Stepped runs of long sequences take seconds: one timed run, no warm-up beyond the first call.
        var slow = new Budget(0, 1, 0);
        var rows = new List<BenchRow>();
        var findings = new List<BenchFinding>();
        foreach (var architecture in LinearRnnTrainStep.Architectures)
            foreach (int time in lengths)
            {
                double kernel = Measure(architecture, time, stepped: false, total, Budget.For(quick));
                double stepped = Measure(architecture, time, stepped: true, total, slow);
                rows.Add(new(architecture, $"T = {time:N0}", [1e3 * stepped, 1e3 * kernel, stepped / kernel]));
                findings.Add(new($"{architecture}_T{time}", $"{architecture}, T = {time:N0}: kernel over stepped", stepped / kernel, "×", "", null));
            }
        return new BenchTable(Name, "Martin & Cundy's whole-model speed-ups: stepped in TorchSharp ops vs on the linear-recurrence kernel",
            $"2 layers × {LinearRnnTrainStep.Hidden} units, {LinearRnnTrainStep.Inputs} inputs, batch × T = {total:N0}, forward + backward, float32",
            [new("stepped_ms", "stepped ms", "F1"), new("kernel_ms", "kernel ms", "F1"), new("speedup", "speed-up ×", "F2")],
            rows, findings, "speedup", ChartLog: true);
    }

    static double Measure(string architecture, int time, bool stepped, int total, Budget budget)
    {
        using var workload = new LinearRnnTrainStep(architecture, time, stepped, total);
        workload.Step(); // first-call costs
        return Timing.Measure(workload, budget).Median;
    }
}
