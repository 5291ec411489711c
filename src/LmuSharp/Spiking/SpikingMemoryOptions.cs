namespace LmuSharp.Spiking;

/// <summary>
/// The parameters of a <see cref="SpikingLegendreMemory"/>. Times are in seconds. The defaults follow the
/// 2019 paper's spiking experiment (LIF neurons, τ_rc = 20 ms, τ_ref = 2 ms, maximum rates U(20, 40) Hz,
/// Poisson spike times) and Nengo's L2 regularisation σ = 0.1; intercepts are narrower than Nengo's U(−1, 1)
/// (see <see cref="MinIntercept"/>).
/// </summary>
public sealed record SpikingMemoryOptions
{
    /// <summary>The order d of the Legendre memory (≥ 1).</summary>
    public int Order { get; init; } = 6;

    /// <summary>The number of neurons m (≥ d).</summary>
    public int Neurons { get; init; } = 1000;

    /// <summary>The window length θ, in seconds (finite, ≥ dt).</summary>
    public double Theta { get; init; } = 1;

    /// <summary>The simulation time step dt, in seconds (finite, &gt; 0).</summary>
    public double Dt { get; init; } = 0.001;

    /// <summary>The time constant τ of the lowpass synapse h(t) = e^(−t/τ)/τ, in seconds (finite, &gt; 0).</summary>
    public double Tau { get; init; } = 0.1;

    /// <summary>
    /// The scale of the represented vector: the population represents x_i = m_i / (√(2i+1) · Radius). Since
    /// Σ_i m_i²/(2i+1) is the mean square of the window's Legendre reconstruction, ‖x‖ ≈ (RMS of u over the
    /// window) / Radius; with the default 1.5 the peak ‖x‖ measured 0.86–1.13 for band-limited white noise of RMS 1 (finite, &gt; 0). The read-out
    /// multiplies the decoding error by Σ_i √(2i+1)·Radius, so a smaller radius is better as long as ‖x‖ stays ≲ 1.
    /// </summary>
    public double Radius { get; init; } = 1.5;

    /// <summary>The neuron model (Poisson-spiking LIF rates by default).</summary>
    public SpikingNeuron Neuron { get; init; } = SpikingNeuron.PoissonLif;

    /// <summary>The membrane time constant τ_rc, in seconds (finite, &gt; 0).</summary>
    public double TauRc { get; init; } = 0.02;

    /// <summary>The refractory period τ_ref, in seconds (finite, ≥ 0).</summary>
    public double TauRef { get; init; } = 0.002;

    /// <summary>The lowest maximum firing rate, in Hz; each neuron's rate at its preferred direction is drawn from U(MinRate, MaxRate).</summary>
    public double MinRate { get; init; } = 20;

    /// <summary>The highest maximum firing rate, in Hz (≥ <see cref="MinRate"/>, below 1/τ_ref).</summary>
    public double MaxRate { get; init; } = 40;

    /// <summary>
    /// The lowest intercept: each neuron starts firing where e_i·x exceeds its intercept, drawn from
    /// U(MinIntercept, MaxIntercept) (in [−1, 1)). The state's projections e_i·x rarely leave ±0.5, so a neuron with
    /// an intercept beyond that is always off (wasted) or always on (linear); U(−0.5, 0.5) measured a smaller
    /// read-out error than Nengo's U(−1, 1) at d = 6 and 12 (about 30% less with 3,000 neurons).
    /// </summary>
    public double MinIntercept { get; init; } = -0.5;

    /// <summary>The highest intercept (≥ <see cref="MinIntercept"/>, &lt; 1).</summary>
    public double MaxIntercept { get; init; } = 0.5;

    /// <summary>
    /// The number S of sample points over which the decoders are fitted (1 … 10,000): uniform directions at radii
    /// uniform on [0, 1). (Points uniform over the ball's volume would lie almost all near its surface for d ≳ 6,
    /// while the Legendre state of white noise stays well inside it.)
    /// </summary>
    public int EvalPoints { get; init; } = 1000;

    /// <summary>The L2 regularisation σ, as a fraction of the highest rate: the decoders solve (ΓᵀΓ + S(σ·r_max)² I) D = Γᵀ X (finite, ≥ 0).</summary>
    public double Regularization { get; init; } = 0.1;

    /// <summary>The seed of every random choice: encoders, rates, intercepts, sample points, initial voltages and spike times.</summary>
    public int Seed { get; init; }

    /// <summary>Throws when a parameter is out of range; the message names it and the accepted range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range or not finite.</exception>
    public void Validate()
    {
        if (Order < 1) throw new ArgumentOutOfRangeException(nameof(Order), Order, $"Order must be ≥ 1, got {Order}.");
        if (Neurons < Order)
            throw new ArgumentOutOfRangeException(nameof(Neurons), Neurons, $"Neurons must be ≥ the order d = {Order} (m neurons cannot represent a d-dimensional state with m < d), got {Neurons}.");
        Positive(Dt, nameof(Dt));
        Positive(Theta, nameof(Theta));
        if (Theta < Dt) throw new ArgumentOutOfRangeException(nameof(Theta), Theta, $"Theta must be ≥ the time step dt = {Dt}, got {Theta}.");
        Positive(Tau, nameof(Tau));
        Positive(Radius, nameof(Radius));
        Positive(TauRc, nameof(TauRc));
        if (!(double.IsFinite(TauRef) && TauRef >= 0)) throw new ArgumentOutOfRangeException(nameof(TauRef), TauRef, $"TauRef must be finite and ≥ 0, got {TauRef}.");
        Positive(MinRate, nameof(MinRate));
        Positive(MaxRate, nameof(MaxRate));
        if (MaxRate < MinRate) throw new ArgumentOutOfRangeException(nameof(MaxRate), MaxRate, $"MaxRate must be ≥ MinRate = {MinRate}, got {MaxRate}.");
        if (MaxRate * TauRef >= 1)
            throw new ArgumentOutOfRangeException(nameof(MaxRate), MaxRate, $"MaxRate must be below 1/TauRef = {1 / TauRef} Hz (no LIF neuron fires faster), got {MaxRate}.");
        if (Neuron is not (SpikingNeuron.PoissonLif or SpikingNeuron.Lif or SpikingNeuron.LifRate))
            throw new ArgumentOutOfRangeException(nameof(Neuron), Neuron, "Neuron must be PoissonLif, Lif or LifRate.");
        if (!(MinIntercept >= -1 && MinIntercept < 1))
            throw new ArgumentOutOfRangeException(nameof(MinIntercept), MinIntercept, $"MinIntercept must lie in [-1, 1), got {MinIntercept}.");
        if (!(MaxIntercept >= MinIntercept && MaxIntercept < 1))
            throw new ArgumentOutOfRangeException(nameof(MaxIntercept), MaxIntercept, $"MaxIntercept must lie in [MinIntercept, 1) = [{MinIntercept}, 1), got {MaxIntercept}.");
        if (EvalPoints < 1 || EvalPoints > 10_000)
            throw new ArgumentOutOfRangeException(nameof(EvalPoints), EvalPoints, $"EvalPoints must lie in [1, 10000] (the decoders solve an S × S system), got {EvalPoints}.");
        if (!(double.IsFinite(Regularization) && Regularization >= 0))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, $"Regularization must be finite and ≥ 0, got {Regularization}.");
    }

    static void Positive(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0, got {value}.");
    }
}
