namespace LmuSharp.Cli.Data.Kws;

/// <summary>
/// Seeded background noises for the synthetic corpus: white, pink, brown and mains hum. Written here because
/// NWaves' noise builders draw from an unseeded generator, and the corpus must be repeatable from its seed.
/// </summary>
static class NoiseGenerator
{
    /// <summary>The kinds written to _background_noise_.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["white", "pink", "brown", "hum"];

    /// <summary><paramref name="length"/> samples of a noise kind, scaled to a peak of 0.5.</summary>
    public static float[] Make(string kind, int length, int sampleRate, Random random)
    {
        var x = new double[length];
        switch (kind)
        {
            case "white":
                for (int i = 0; i < length; i++) x[i] = Gaussian(random);
                break;
            case "pink": // Paul Kellet's economy filter: ≈ −3 dB per octave
                double b0 = 0, b1 = 0, b2 = 0;
                for (int i = 0; i < length; i++)
                {
                    double w = Gaussian(random);
                    b0 = 0.99765 * b0 + w * 0.0990460;
                    b1 = 0.96300 * b1 + w * 0.2965164;
                    b2 = 0.57000 * b2 + w * 1.0526913;
                    x[i] = b0 + b1 + b2 + w * 0.1848;
                }
                break;
            case "brown": // leaky integral of white noise: −6 dB per octave
                double y = 0;
                for (int i = 0; i < length; i++) x[i] = y = 0.995 * y + 0.05 * Gaussian(random);
                break;
            case "hum": // 50 Hz mains and harmonics with a little white noise
                double phase = random.NextDouble() * 2 * Math.PI;
                for (int i = 0; i < length; i++)
                {
                    double t = 2 * Math.PI * 50 * i / sampleRate + phase;
                    x[i] = Math.Sin(t) + 0.5 * Math.Sin(3 * t) + 0.25 * Math.Sin(5 * t) + 0.1 * Gaussian(random);
                }
                break;
            default: throw new ArgumentException($"unknown noise kind '{kind}'; expected {string.Join(", ", Kinds)}.", nameof(kind));
        }
        double peak = x.Max(Math.Abs);
        return x.Select(v => (float)(0.5 * v / peak)).ToArray();
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
