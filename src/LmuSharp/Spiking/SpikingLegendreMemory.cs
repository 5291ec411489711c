using System.Numerics.Tensors;
using LmuSharp.Memory;

namespace LmuSharp.Spiking;

/// <summary>
/// The order-d Legendre memory θ·ṁ = A m + B u computed by m recurrently connected spiking LIF neurons,
/// built with the Neural Engineering Framework (Eliasmith and Anderson 2003) as in Voelker, Kajić and
/// Eliasmith (2019): the population represents the scaled state x = T m, T = diag(1/(√(2i+1)·radius)),
/// decodes it from its spikes, and feeds it back through a lowpass synapse with transforms that make the
/// synapse's output follow the memory's dynamics (NEF principle 3).
/// </summary>
/// <remarks>
/// <para>Discrete dynamics. With Ā, B̄ the zero-order-hold discretisation of the memory at step dt and the
/// synapse discretised the same way, y_{t+1} = a y_t + (1 − a) w_t with a = e^(−dt/τ), choosing the synapse's
/// input w_t = A′ x̂_t + B′ u_t with A′ = (Ā − aI)/(1 − a) and B′ = B̄/(1 − a) gives y_{t+1} = Ā y_t + B̄ u_t
/// whenever the decoded x̂_t equals y_t: the filtered state is the memory's state, exactly, up to the
/// decoding error. (As dt → 0 this is the continuous principle 3, A′ = τA/θ + I, B′ = τB/θ.)</para>
/// <para>Per step: the currents J = α (E y) + β cost O(m·d); the rates and spikes O(m); each spike adds one
/// row of the recurrent decoders (Ā − aI) D / dt to the synapse, O(d) a spike; the synapse update O(d).</para>
/// <para>Read-out: m̂ = T⁻¹ y and u(t − θ′) ≈ Σ_i P_i(2θ′/θ − 1) m̂_i, as for <see cref="LegendreMemory"/>;
/// after <see cref="Step"/> the state estimates that of a <see cref="LegendreMemory"/> of window θ/dt steps
/// that has been fed the same samples.</para>
/// </remarks>
public sealed class SpikingLegendreMemory
{
    readonly LifPopulation _population;
    readonly double[][] _encoderColumns; // d columns of α_i e_i, each of length m
    readonly double[] _recurrent;        // m × d: (Ā_x − aI) D_i / dt
    readonly double[] _input;            // B̄_x = T B̄
    readonly double[] _scale;            // T⁻¹ diagonal: √(2i+1)·radius
    readonly double[] _y, _current, _voltage, _refractory, _state;
    readonly double _a, _dt, _decay;
    double _activity; // spikes, or Σ r·dt in rate mode, since the last reset
    Xoshiro256 _random;

    /// <summary>Builds the population and solves its decoders (O(S·m·min(S, m)) with S sample points).</summary>
    /// <param name="options">The parameters; see <see cref="SpikingMemoryOptions"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public SpikingLegendreMemory(SpikingMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        int d = options.Order, m = options.Neurons;
        _dt = options.Dt;
        System = LegendreStateSpace.Discretize(d, options.Theta / options.Dt);
        _a = Math.Exp(-options.Dt / options.Tau);
        _decay = Math.Exp(-options.Dt / options.TauRc);

        var build = new Xoshiro256((ulong)(uint)options.Seed);
        _population = new LifPopulation(m, d, options, ref build);
        int s = options.EvalPoints;
        var samples = new double[s * d];
        for (int p = 0; p < s; p++) build.InBall(samples.AsSpan(p * d, d), uniformRadius: true);
        Decoders = _population.SolveDecoders(samples, s, options.Regularization);

        _scale = new double[d];
        for (int i = 0; i < d; i++) _scale[i] = Math.Sqrt(2 * i + 1) * options.Radius;
        var aBar = System.ABar;
        var bBar = System.BBar;
        // Ā_x = T Ā T⁻¹ − aI, folded with 1/dt into the decoders of the recurrent connection.
        var feedback = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                feedback[i * d + j] = (aBar[i, j] * _scale[j] / _scale[i] - (i == j ? _a : 0)) / _dt;
        _recurrent = new double[m * d];
        for (int n = 0; n < m; n++)
        {
            var decoder = Decoders.AsSpan(n * d, d);
            for (int i = 0; i < d; i++) _recurrent[n * d + i] = TensorPrimitives.Dot(feedback.AsSpan(i * d, d), decoder);
        }
        _input = new double[d];
        for (int i = 0; i < d; i++) _input[i] = bBar[i] / _scale[i];

        _encoderColumns = new double[d][];
        for (int k = 0; k < d; k++)
        {
            _encoderColumns[k] = new double[m];
            for (int n = 0; n < m; n++) _encoderColumns[k][n] = _population.Gain[n] * _population.Encoders[n * d + k];
        }
        _y = new double[d];
        _state = new double[d];
        _current = new double[m];
        _voltage = new double[m];
        _refractory = new double[m];
        Reset();
    }

    /// <summary>The parameters the memory was built with.</summary>
    public SpikingMemoryOptions Options { get; }

    /// <summary>The order d.</summary>
    public int Order => Options.Order;

    /// <summary>The number of neurons m.</summary>
    public int Neurons => Options.Neurons;

    /// <summary>The exact (non-spiking) memory this population implements: the ZOH discretisation at step dt, window θ/dt steps.</summary>
    public DiscreteLegendreSystem System { get; }

    /// <summary>The decoders D (m × d, row-major) of the represented vector x: Σ_i r_i(x) D_i ≈ x.</summary>
    internal double[] Decoders { get; }

    /// <summary>The number of steps since construction or the last <see cref="Reset"/>.</summary>
    public long Steps { get; private set; }

    /// <summary>The number of spikes emitted since construction or the last <see cref="Reset"/> (0 for <see cref="SpikingNeuron.LifRate"/>).</summary>
    public long SpikeCount { get; private set; }

    /// <summary>The mean firing rate over all neurons and steps so far, in Hz (for <see cref="SpikingNeuron.LifRate"/>, the mean of the rates).</summary>
    public double MeanRate => Steps == 0 ? 0 : _activity / (Steps * _dt * Neurons);

    /// <summary>The represented vector x = T m̂ (the synapse's output; ‖x‖ ≲ 1 by the choice of radius).</summary>
    public ReadOnlySpan<double> Represented => _y;

    /// <summary>The decoded Legendre coefficients m̂ = T⁻¹ x, in the units of <see cref="LegendreMemory.State"/>.</summary>
    public ReadOnlySpan<double> State
    {
        get
        {
            TensorPrimitives.Multiply(_y, _scale, _state);
            return _state;
        }
    }

    /// <summary>Sets the state to zero and restarts the spike generator from the seed, so a run after a reset repeats the first.</summary>
    public void Reset()
    {
        Array.Clear(_y);
        Array.Clear(_refractory);
        _random = new Xoshiro256(((ulong)(uint)Options.Seed << 32) ^ 0x5350494B45UL);
        for (int n = 0; n < _voltage.Length; n++) _voltage[n] = _random.NextDouble();
        Steps = 0;
        SpikeCount = 0;
        _activity = 0;
    }

    /// <summary>Advances the network by one time step dt with input sample <paramref name="u"/>.</summary>
    /// <param name="u">The input sample (finite).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="u"/> is NaN or infinite.</exception>
    public void Step(double u)
    {
        if (!double.IsFinite(u)) throw new ArgumentOutOfRangeException(nameof(u), u, $"The input sample must be finite, got {u}.");
        int d = Order;
        // Input currents from the synapse's output: J = β + Σ_k y_k (α ∘ E[:, k]).
        _population.Bias.CopyTo(_current, 0);
        for (int k = 0; k < d; k++)
            if (_y[k] != 0) TensorPrimitives.MultiplyAdd(_encoderColumns[k], _y[k], _current, _current);

        // The synapse decays, then receives the input and the decoded spikes (each a 1/dt impulse).
        Span<double> next = stackalloc double[d];
        for (int i = 0; i < d; i++) next[i] = _a * _y[i] + _input[i] * u;
        if (Options.Neuron == SpikingNeuron.LifRate)
            _activity += Rates(next);
        else
        {
            long spikes = Options.Neuron == SpikingNeuron.PoissonLif ? PoissonSpikes(next) : LifSpikes(next);
            SpikeCount += spikes;
            _activity += spikes;
        }
        next.CopyTo(_y);
        Steps++;
    }

    /// <summary>Poisson(r(J)·dt) spikes per neuron, by inversion of the Poisson distribution function.</summary>
    long PoissonSpikes(Span<double> next)
    {
        int d = Order;
        long total = 0;
        for (int n = 0; n < _current.Length; n++)
        {
            double rate = _population.Rate(_current[n]);
            if (rate == 0) continue;
            double lambda = rate * _dt;
            double uniform = _random.NextDouble();
            // e^(−λ) ≥ 1 − λ: below 1 − λ the count is 0 without computing the exponential (most neurons, most steps).
            if (uniform < 1 - lambda) continue;
            double p = Math.Exp(-lambda), cumulative = p;
            int count = 0;
            while (uniform >= cumulative && count < 1000)
            {
                count++;
                p *= lambda / count;
                cumulative += p;
            }
            if (count == 0) continue;
            TensorPrimitives.MultiplyAdd(_recurrent.AsSpan(n * d, d), count, next, next);
            total += count;
        }
        return total;
    }

    /// <summary>No spikes: each neuron adds r(J)·dt times its recurrent decoder row (the mean of a Poisson step).</summary>
    /// <returns>Σ r·dt, the number of spikes a Poisson population would emit on average.</returns>
    double Rates(Span<double> next)
    {
        int d = Order;
        double total = 0;
        for (int n = 0; n < _current.Length; n++)
        {
            double expected = _population.Rate(_current[n]) * _dt;
            if (expected == 0) continue;
            TensorPrimitives.MultiplyAdd(_recurrent.AsSpan(n * d, d), expected, next, next);
            total += expected;
        }
        return total;
    }

    /// <summary>Leaky integrate-and-fire for every neuron; each spike adds its recurrent decoder row.</summary>
    long LifSpikes(Span<double> next)
    {
        int d = Order;
        long total = 0;
        double tauRc = Options.TauRc, tauRef = Options.TauRef;
        for (int n = 0; n < _current.Length; n++)
        {
            if (!LifStep(_current[n], ref _voltage[n], ref _refractory[n], _dt, tauRc, tauRef, _decay)) continue;
            TensorPrimitives.Add(_recurrent.AsSpan(n * d, d), next, next);
            total++;
        }
        return total;
    }

    /// <summary>
    /// One step of one LIF neuron at constant current J: the part of the step outside the refractory period
    /// integrates exactly, v → J + (v − J) e^(−Δt/τ_rc); on crossing 1 the spike time within the step is solved from
    /// that exponential, the voltage resets to 0 and the refractory period runs from the spike (carried across steps).
    /// </summary>
    /// <returns>Whether the neuron spiked.</returns>
    internal static bool LifStep(double current, ref double voltage, ref double refractory, double dt, double tauRc, double tauRef, double decay)
    {
        refractory -= dt;
        double v = voltage;
        double factor = refractory <= 0 ? decay : Math.Exp(-Math.Clamp(dt - refractory, 0, dt) / tauRc);
        v = current + (v - current) * factor;
        bool spiked = v > 1;
        if (spiked)
        {
            // Time from the crossing to the end of the step: (v − J) = (1 − J) e^(−s/τ_rc).
            double sinceCrossing = -tauRc * double.LogP1(-(v - 1) / (current - 1));
            refractory = tauRef - sinceCrossing + dt;
            v = 0;
        }
        voltage = Math.Max(v, 0);
        return spiked;
    }

    /// <summary>The input as it was <paramref name="delay"/> seconds ago, θ′ ∈ [0, θ]: Σ_i P_i(2θ′/θ − 1) m̂_i.</summary>
    /// <param name="delay">The delay θ′ in seconds.</param>
    /// <exception cref="ArgumentOutOfRangeException">The delay lies outside [0, θ].</exception>
    public double Read(double delay)
    {
        if (!(delay >= 0 && delay <= Options.Theta))
            throw new ArgumentOutOfRangeException(nameof(delay), delay, $"delay must lie in [0, θ] = [0, {Options.Theta}] seconds, got {delay}.");
        return TensorPrimitives.Dot(LegendreReadout.Weights(Order, delay / Options.Theta), State);
    }

    /// <summary>
    /// The population's rate-based estimate of a represented vector x (no spikes, no dynamics): Σ_i r_i(x) D_i.
    /// Its distance from x is the static decoding error, which falls as the population grows.
    /// </summary>
    /// <param name="x">A vector of length d, usually in the unit ball.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> has the wrong length or a non-finite entry.</exception>
    public double[] DecodeRates(ReadOnlySpan<double> x)
    {
        if (x.Length != Order) throw new ArgumentException($"x must have length d = {Order}, got {x.Length}.", nameof(x));
        foreach (var value in x)
            if (!double.IsFinite(value)) throw new ArgumentException($"x must be finite, got {value}.", nameof(x));
        var estimate = new double[Order];
        for (int n = 0; n < Neurons; n++)
        {
            double rate = _population.Rate(n, x);
            if (rate != 0) TensorPrimitives.MultiplyAdd(Decoders.AsSpan(n * Order, Order), rate, estimate, estimate);
        }
        return estimate;
    }
}
