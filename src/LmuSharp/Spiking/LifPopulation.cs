using System.Numerics.Tensors;
using LmuSharp.Kernels;

namespace LmuSharp.Spiking;

/// <summary>
/// A population of m LIF neurons representing a vector x in the unit d-ball the Neural Engineering
/// Framework way: neuron i has a unit encoder e_i, a gain α_i and a bias β_i, its input current is
/// J_i = α_i e_i·x + β_i and its rate the LIF curve r(J) = 1/(τ_ref + τ_rc ln(1 + 1/(J − 1))) for J &gt; 1,
/// else 0. Gains and biases put each neuron's threshold (J = 1) at its intercept c_i (e_i·x = c_i) and its
/// rate at e_i·x = 1 at its maximum rate.
/// </summary>
internal sealed class LifPopulation
{
    /// <summary>Neurons per block when the activities are built for the Gram matrix.</summary>
    const int Block = 512;

    readonly double _tauRc, _tauRef;

    public LifPopulation(int neurons, int dimensions, SpikingMemoryOptions options, ref Xoshiro256 random)
    {
        Neurons = neurons;
        Dimensions = dimensions;
        _tauRc = options.TauRc;
        _tauRef = options.TauRef;
        Encoders = new double[neurons * dimensions];
        Gain = new double[neurons];
        Bias = new double[neurons];
        for (int i = 0; i < neurons; i++)
        {
            random.OnSphere(Encoders.AsSpan(i * dimensions, dimensions));
            double maxRate = random.Uniform(options.MinRate, options.MaxRate);
            double intercept = random.Uniform(options.MinIntercept, options.MaxIntercept);
            // The current at which r(J) = maxRate: ln(1 + 1/(J − 1)) = (1/maxRate − τ_ref)/τ_rc.
            double jMax = 1 + 1 / double.ExpM1((1 / maxRate - _tauRef) / _tauRc);
            Gain[i] = (jMax - 1) / (1 - intercept);
            Bias[i] = 1 - Gain[i] * intercept;
        }
        PeakRate = options.MaxRate;
    }

    public int Neurons { get; }

    public int Dimensions { get; }

    /// <summary>Unit encoders, row-major m × d.</summary>
    public double[] Encoders { get; }

    public double[] Gain { get; }

    public double[] Bias { get; }

    /// <summary>The highest maximum rate any neuron may have (the scale of the regularisation).</summary>
    public double PeakRate { get; }

    /// <summary>The LIF steady-state rate at input current J, in Hz.</summary>
    public double Rate(double current) =>
        current > 1 ? 1 / (_tauRef + _tauRc * double.LogP1(1 / (current - 1))) : 0;

    /// <summary>The rate of neuron i for the represented vector x.</summary>
    public double Rate(int neuron, ReadOnlySpan<double> x) =>
        Rate(Gain[neuron] * TensorPrimitives.Dot(Encoders.AsSpan(neuron * Dimensions, Dimensions), x) + Bias[neuron]);

    /// <summary>
    /// Decoders D (m × d, row-major) for the identity: Σ_i r_i(x) D_i ≈ x, by L2-regularised least squares over
    /// the sample points X (S × d): D = argmin ‖Γ D − X‖² + λ‖D‖², λ = S (σ · r_peak)², Γ the S × m activities.
    /// The solution is D = (ΓᵀΓ + λI)⁻¹ ΓᵀX = Γᵀ(ΓΓᵀ + λI)⁻¹ X; the smaller of the two Gram matrices is formed
    /// (m × m when m &lt; S, else S × S), so the cost is O(S·m·min(S, m)) and memory O(min(S, m)² + S·512).
    /// <paramref name="sampleSpace"/> overrides the choice (for tests: both forms give the same decoders).
    /// </summary>
    public double[] SolveDecoders(double[] samples, int sampleCount, double regularization, bool? sampleSpace = null)
    {
        int d = Dimensions, m = Neurons, s = sampleCount;
        double lambda = s * (regularization * PeakRate) * (regularization * PeakRate);
        var decoders = new double[m * d];
        if (!(sampleSpace ?? m >= s))
        {
            // Neuron space: rows of R = Γᵀ are the neurons' activities over the samples.
            var r = Activities(samples, s, 0, m, neuronMajor: true);
            var gram = Gram(r, m, s, lambda);
            for (int i = 0; i < m; i++)
                for (int p = 0; p < s; p++)
                {
                    double a = r[(long)i * s + p];
                    if (a != 0) TensorPrimitives.MultiplyAdd(samples.AsSpan(p * d, d), a, decoders.AsSpan(i * d, d), decoders.AsSpan(i * d, d));
                }
            Cholesky.Solve(gram, m, decoders, d);
            return decoders;
        }

        // Sample space: G = ΓΓᵀ accumulated over blocks of neurons, Z = G⁻¹X, then D_i = Σ_p Γ[p, i] Z_p.
        var g = new double[(long)s * s];
        for (int i0 = 0; i0 < m; i0 += Block)
        {
            int count = Math.Min(Block, m - i0);
            AddGram(Activities(samples, s, i0, count, neuronMajor: false), s, count, g);
        }
        for (int p = 0; p < s; p++) g[(long)p * s + p] += lambda;
        var z = (double[])samples.Clone();
        Cholesky.Solve(g, s, z, d);
        for (int i0 = 0; i0 < m; i0 += Block)
        {
            int count = Math.Min(Block, m - i0);
            var block = Activities(samples, s, i0, count, neuronMajor: true);
            for (int i = 0; i < count; i++)
            {
                var row = decoders.AsSpan((i0 + i) * d, d);
                for (int p = 0; p < s; p++)
                {
                    double a = block[(long)i * s + p];
                    if (a != 0) TensorPrimitives.MultiplyAdd(z.AsSpan(p * d, d), a, row, row);
                }
            }
        }
        return decoders;
    }

    /// <summary>The rates of neurons [first, first + count) at the S samples, as float, count × S (neuronMajor) or S × count.</summary>
    float[] Activities(double[] samples, int s, int first, int count, bool neuronMajor)
    {
        int d = Dimensions;
        var a = new float[(long)s * count];
        for (int i = 0; i < count; i++)
        {
            int n = first + i;
            var encoder = Encoders.AsSpan(n * d, d);
            for (int p = 0; p < s; p++)
            {
                float rate = (float)Rate(Gain[n] * TensorPrimitives.Dot(encoder, samples.AsSpan(p * d, d)) + Bias[n]);
                a[neuronMajor ? (long)i * s + p : (long)p * count + i] = rate;
            }
        }
        return a;
    }

    /// <summary>R Rᵀ + λI for R (n × k, row-major), in double.</summary>
    static double[] Gram(float[] rows, int n, int k, double lambda)
    {
        var g = new double[(long)n * n];
        AddGram(rows, n, k, g);
        for (int i = 0; i < n; i++) g[(long)i * n + i] += lambda;
        return g;
    }

    /// <summary>g (n × n) += R Rᵀ for R (n × k, row-major), by the packed float kernel; each entry sums k products.</summary>
    static unsafe void AddGram(float[] rows, int n, int k, double[] g)
    {
        var packed = PackedGemm.Pack(rows, n, k);
        int padded = PackedGemm.Padded(n);
        var product = new float[(long)n * padded];
        fixed (float* a = rows, b = packed, c = product)
            PackedGemm.MultiplyRows(a, k, n, k, b, padded, c, padded);
        for (int i = 0; i < n; i++)
        {
            var source = product.AsSpan(i * padded, n);
            var target = g.AsSpan(i * n, n);
            for (int j = 0; j < n; j++) target[j] += source[j];
        }
    }
}

/// <summary>Solving with a symmetric positive-definite matrix by its Cholesky factor.</summary>
internal static class Cholesky
{
    /// <summary>Overwrites <paramref name="rhs"/> (n × cols, row-major) with G⁻¹ rhs; G (n × n) is overwritten by its factor L.</summary>
    /// <exception cref="InvalidOperationException">G is not positive definite.</exception>
    public static void Solve(double[] g, int n, double[] rhs, int cols)
    {
        for (int j = 0; j < n; j++)
        {
            var rowJ = g.AsSpan(j * n, j);
            double diagonal = g[(long)j * n + j] - TensorPrimitives.Dot(rowJ, rowJ);
            if (!(diagonal > 0)) throw new InvalidOperationException("The decoders' Gram matrix is not positive definite; raise the regularisation.");
            double l = Math.Sqrt(diagonal);
            g[(long)j * n + j] = l;
            for (int i = j + 1; i < n; i++)
                g[(long)i * n + j] = (g[(long)i * n + j] - TensorPrimitives.Dot(g.AsSpan(i * n, j), rowJ)) / l;
        }
        // L y = b, forward.
        for (int i = 0; i < n; i++)
        {
            var yi = rhs.AsSpan(i * cols, cols);
            for (int k = 0; k < i; k++)
            {
                double lik = g[(long)i * n + k];
                if (lik != 0) TensorPrimitives.MultiplyAdd(rhs.AsSpan(k * cols, cols), -lik, yi, yi);
            }
            TensorPrimitives.Divide(yi, g[(long)i * n + i], yi);
        }
        // Lᵀ x = y, backward.
        for (int i = n - 1; i >= 0; i--)
        {
            var xi = rhs.AsSpan(i * cols, cols);
            for (int k = i + 1; k < n; k++)
            {
                double lki = g[(long)k * n + i];
                if (lki != 0) TensorPrimitives.MultiplyAdd(rhs.AsSpan(k * cols, cols), -lki, xi, xi);
            }
            TensorPrimitives.Divide(xi, g[(long)i * n + i], xi);
        }
    }
}
