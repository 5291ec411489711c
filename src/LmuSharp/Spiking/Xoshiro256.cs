namespace LmuSharp.Spiking;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: a small, fast generator whose output
/// depends only on the seed, so a simulation is repeatable across runs, machines and .NET versions.
/// </summary>
internal struct Xoshiro256
{
    ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform on [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>A standard normal sample (Box–Muller, one of the pair).</summary>
    public double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - NextDouble())) * Math.Cos(2 * Math.PI * NextDouble());

    /// <summary>Fills <paramref name="destination"/> with a point drawn uniformly on the unit sphere.</summary>
    public void OnSphere(Span<double> destination)
    {
        double norm;
        do
        {
            norm = 0;
            for (int k = 0; k < destination.Length; k++)
            {
                destination[k] = Gaussian();
                norm += destination[k] * destination[k];
            }
        } while (norm == 0);
        norm = Math.Sqrt(norm);
        for (int k = 0; k < destination.Length; k++) destination[k] /= norm;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with a point in the unit ball: a uniform direction at a radius uniform on
    /// [0, 1) (when uniformRadius), or uniform over the ball's volume (radius U^(1/d), almost all near the surface for large d).
    /// </summary>
    public void InBall(Span<double> destination, bool uniformRadius)
    {
        OnSphere(destination);
        double radius = uniformRadius ? NextDouble() : Math.Pow(NextDouble(), 1.0 / destination.Length);
        for (int k = 0; k < destination.Length; k++) destination[k] *= radius;
    }
}
