namespace LmuSharp.Signals;

/// <summary>
/// Band-limited white noise, periodic with a given period: a sum of sinusoids at every frequency
/// k/period (cycles per step) from 1/period up to a cutoff, with Gaussian random amplitude and
/// phase (the inverse DFT of a white spectrum cut off sharply), scaled to zero mean and a given
/// RMS. It is defined at any real time, so delayed or half-step-shifted targets are exact.
/// Cost: one evaluation is O(cutoff · period) sinusoids.
/// </summary>
public sealed class BandLimitedNoise
{
    readonly double[] _cos;
    readonly double[] _sin;
    readonly double _period;

    /// <summary>Draws a random signal.</summary>
    /// <param name="period">The period in steps (&gt; 0); the signal repeats after it.</param>
    /// <param name="cutoff">The highest frequency, in cycles per step, in (0, 0.5]; at least 1/period.</param>
    /// <param name="random">The source of randomness (seed it for a repeatable signal).</param>
    /// <param name="rms">The root-mean-square amplitude over one period (&gt; 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range.</exception>
    public BandLimitedNoise(double period, double cutoff, Random random, double rms = 1)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(double.IsFinite(period) && period > 0)) throw new ArgumentOutOfRangeException(nameof(period), period, $"period must be finite and > 0, got {period}.");
        if (!(cutoff > 0 && cutoff <= 0.5)) throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, $"cutoff must lie in (0, 0.5] cycles per step, got {cutoff}.");
        if (!(double.IsFinite(rms) && rms > 0)) throw new ArgumentOutOfRangeException(nameof(rms), rms, $"rms must be finite and > 0, got {rms}.");
        int count = (int)Math.Floor(cutoff * period);
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, $"cutoff {cutoff} cycles/step is below the lowest frequency 1/period = {1 / period}: lengthen the period or raise the cutoff.");
        _period = period;
        _cos = new double[count];
        _sin = new double[count];
        double power = 0; // mean square over a period: Σ (a_k² + b_k²) / 2
        for (int k = 0; k < count; k++)
        {
            _cos[k] = Gaussian(random);
            _sin[k] = Gaussian(random);
            power += (_cos[k] * _cos[k] + _sin[k] * _sin[k]) / 2;
        }
        double scale = rms / Math.Sqrt(power);
        for (int k = 0; k < count; k++) { _cos[k] *= scale; _sin[k] *= scale; }
    }

    /// <summary>The signal at (real) time <paramref name="time"/>, in steps.</summary>
    public double this[double time]
    {
        get
        {
            double sum = 0;
            for (int k = 0; k < _cos.Length; k++)
            {
                double phase = 2 * Math.PI * (k + 1) * (time / _period);
                sum += _cos[k] * Math.Cos(phase) + _sin[k] * Math.Sin(phase);
            }
            return sum;
        }
    }

    /// <summary>The samples at times 0, 1, …, length − 1.</summary>
    /// <param name="length">The number of samples ≥ 0.</param>
    public double[] Sample(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var samples = new double[length];
        for (int t = 0; t < length; t++) samples[t] = this[t];
        return samples;
    }

    /// <summary>A standard normal sample by the Box–Muller transform.</summary>
    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
