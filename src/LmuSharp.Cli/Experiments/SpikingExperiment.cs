using System.Diagnostics;
using LmuSharp.Memory;
using LmuSharp.Signals;
using LmuSharp.Spiking;

namespace LmuSharp.Cli.Experiments;

/// <summary>
/// The spiking Legendre memory against the number of neurons (Voelker, Kajić and Eliasmith 2019: error
/// O(d/√m) for m Poisson-spiking neurons). Band-limited white noise of RMS 1 is fed to a
/// <see cref="SpikingLegendreMemory"/> and to the exact <see cref="LegendreMemory"/> of the same order and
/// discretisation; both read the input back a full window θ later. Scored once the window is full.
/// </summary>
static class SpikingExperiment
{
    /// <summary>The settings shared by every (d, m) cell.</summary>
    public sealed record Settings(double Theta, double Dt, double Tau, double Radius, double CyclesPerWindow, double Windows, SpikingNeuron Neuron, int EvalPoints, int Seed);

    /// <summary>
    /// One cell. Nrmse: spiking read-out against the delayed input. NrmseVsExact: spiking against the exact
    /// memory's read-out (the error the spikes add; the quantity the O(d/√m) claim is about). ExactNrmse: the
    /// exact memory against the delayed input (the floor set by the order). All divided by the input's RMS.
    /// StaticError: the RMS of ‖x̂(x) − x‖ (the population's rate decode, no spikes, no loop) over the exact memory's
    /// represented states x = T m, every <see cref="StaticStride"/>-th scored step. OutsideBall: the fraction of steps with ‖x‖ &gt; 1.
    /// </summary>
    public sealed record Result(int Order, int Neurons, double Nrmse, double NrmseVsExact, double ExactNrmse, double StaticError, double OutsideBall,
        double MeanRate, double RmsNorm, double PeakNorm, double BuildSeconds, double Seconds);

    /// <summary>The static decoding error is sampled every this many scored steps (it costs O(m·d) a sample).</summary>
    const int StaticStride = 10;

    public static Result Run(int order, int neurons, Settings settings)
    {
        var stopwatch = Stopwatch.StartNew();
        var memory = new SpikingLegendreMemory(new SpikingMemoryOptions
        {
            Order = order,
            Neurons = neurons,
            Theta = settings.Theta,
            Dt = settings.Dt,
            Tau = settings.Tau,
            Radius = settings.Radius,
            Neuron = settings.Neuron,
            EvalPoints = settings.EvalPoints,
            Seed = settings.Seed,
        });
        double build = stopwatch.Elapsed.TotalSeconds;
        double window = settings.Theta / settings.Dt;
        int delay = (int)Math.Round(window);
        int steps = checked((int)Math.Ceiling(settings.Windows * window));
        var signal = new BandLimitedNoise(steps, settings.CyclesPerWindow / window, new Random(settings.Seed));
        var exact = new LegendreMemory(order, window);
        double squaredError = 0, squaredVsExact = 0, squaredExact = 0, squaredTarget = 0, squaredNorm = 0, peakNorm = 0, squaredStatic = 0;
        int outside = 0, staticSamples = 0;
        var scale = Enumerable.Range(0, order).Select(i => 1 / (Math.Sqrt(2 * i + 1) * memory.Options.Radius)).ToArray();
        var x = new double[order];
        for (int t = 0; t < steps; t++)
        {
            double u = signal[t];
            memory.Step(u);
            exact.Step(u);
            for (int i = 0; i < order; i++) x[i] = exact.State[i] * scale[i];
            double norm = x.Sum(v => v * v);
            squaredNorm += norm;
            peakNorm = Math.Max(peakNorm, Math.Sqrt(norm));
            if (t < delay) continue;
            if (norm > 1) outside++;
            if ((t - delay) % StaticStride == 0)
            {
                var decoded = memory.DecodeRates(x);
                squaredStatic += decoded.Select((v, i) => (v - x[i]) * (v - x[i])).Sum();
                staticSamples++;
            }
            // Under zero-order hold sample s is held over (s − 1, s]: a full-window reading after step t
            // estimates the signal at time t − θ + ½ (as in `lmu capacity`).
            double target = signal[t - window + 0.5];
            double spiking = memory.Read(settings.Theta), reference = exact.Read(window);
            squaredError += (spiking - target) * (spiking - target);
            squaredVsExact += (spiking - reference) * (spiking - reference);
            squaredExact += (reference - target) * (reference - target);
            squaredTarget += target * target;
        }
        return new Result(order, neurons, Math.Sqrt(squaredError / squaredTarget), Math.Sqrt(squaredVsExact / squaredTarget),
            Math.Sqrt(squaredExact / squaredTarget), Math.Sqrt(squaredStatic / staticSamples), (double)outside / (steps - delay), memory.MeanRate, Math.Sqrt(squaredNorm / steps), peakNorm, build, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The least-squares slope and intercept of log y against log x.</summary>
    public static (double Slope, double Intercept) LogLogFit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double sxy = 0, sxx = 0;
        for (int i = 0; i < lx.Length; i++) { sxy += (lx[i] - mx) * (ly[i] - my); sxx += (lx[i] - mx) * (lx[i] - mx); }
        double slope = sxx == 0 ? double.NaN : sxy / sxx;
        return (slope, my - slope * mx);
    }
}
