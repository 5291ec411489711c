using System.Diagnostics;
using LmuSharp.Memory;
using LmuSharp.Signals;

namespace LmuSharp.Cli.Experiments;

/// <summary>
/// The memory-capacity experiment of Voelker, Kajić and Eliasmith (2019), "LMU-0": an untrained
/// Legendre memory of order d stores band-limited white noise and recalls it a full window θ later.
/// Bandwidth: the paper used a 10 Hz cutoff with a 1 s window, i.e. 10 cycles per window; in steps
/// that is cutoff = cyclesPerWindow / θ cycles per step, so every delay faces the same difficulty.
/// The sequence is 2.5 θ long and recall is scored once the window is full (steps θ … 2.5θ − 1).
/// </summary>
static class CapacityExperiment
{
    /// <summary>One delay's outcome, with a decimated trace of true vs recalled for plotting.</summary>
    public sealed record Result(int Delay, int Order, int Steps, double Nrmse, double Seconds, double[] Time, double[] Truth, double[] Recalled);

    public static Result Run(int order, int delay, double cyclesPerWindow, Discretizer discretizer, int seed, int plotPoints = 2000)
    {
        var stopwatch = Stopwatch.StartNew();
        int steps = checked((int)Math.Ceiling(2.5 * delay));
        var signal = new BandLimitedNoise(steps, cyclesPerWindow / delay, new Random(seed));
        var memory = new LegendreMemory(order, delay, discretizer);
        int stride = Math.Max(1, (steps - delay) / plotPoints);
        var (time, truth, recalled) = (new List<double>(), new List<double>(), new List<double>());
        double squaredError = 0, squaredTarget = 0;
        for (int t = 0; t < steps; t++)
        {
            memory.Step(signal[t]);
            if (t < delay) continue;
            // Under zero-order hold, sample s is held over (s − 1, s]; a full-window reading after step t
            // therefore estimates the signal at time t − θ + ½.
            double target = signal[t - delay + 0.5];
            double estimate = memory.Read(delay);
            squaredError += (estimate - target) * (estimate - target);
            squaredTarget += target * target;
            if ((t - delay) % stride == 0) { time.Add(t); truth.Add(target); recalled.Add(estimate); }
        }
        return new Result(delay, order, steps, Math.Sqrt(squaredError / squaredTarget), stopwatch.Elapsed.TotalSeconds,
            [.. time], [.. truth], [.. recalled]);
    }
}
