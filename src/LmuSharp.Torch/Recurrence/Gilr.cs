using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Gated impulse linear recurrence layer (GILR, Martin &amp; Cundy 2018), batch-first:
/// <code>
/// g_t = σ(W_g x_t + b_g)        gate
/// i_t = tanh(W_i x_t + b_i)     candidate
/// h_t = g_t ⊙ h_{t-1} + (1 − g_t) ⊙ i_t
/// </code>
/// The gates see only the input, so the whole sequence is one <see cref="LinearRecurrence"/> scan with
/// a = g and x = (1 − g) ⊙ i. State dict: <c>gate.weight</c> [hidden, input], <c>gate.bias</c> [hidden],
/// <c>candidate.weight</c> [hidden, input], <c>candidate.bias</c> [hidden].
/// </summary>
public sealed class Gilr : nn.Module<Tensor, Tensor?, (Tensor Output, Tensor State)>
{
    // Field names are the state-dict names.
    private readonly Linear gate;
    private readonly Linear candidate;

    /// <summary>Creates a GILR layer with freshly initialised weights (nn.Linear's default initialisation).</summary>
    /// <param name="inputSize">Features per input step.</param>
    /// <param name="hiddenSize">State and output features.</param>
    public Gilr(int inputSize, int hiddenSize) : this(new GilrOptions(inputSize, hiddenSize)) { }

    /// <summary>Creates a GILR layer with the given architecture.</summary>
    /// <param name="options">Input and hidden sizes.</param>
    public Gilr(GilrOptions options) : base(nameof(Gilr))
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        gate = nn.Linear(options.InputSize, options.HiddenSize);
        candidate = nn.Linear(options.InputSize, options.HiddenSize);
        RegisterComponents();
    }

    /// <summary>The layer's architecture.</summary>
    public GilrOptions Options { get; }

    /// <summary>Runs the layer over a whole sequence.</summary>
    /// <param name="input">x [batch, time, inputSize].</param>
    /// <param name="state">h_0 [batch, hiddenSize]; zero when null.</param>
    /// <returns>All h_t [batch, time, hiddenSize] and the final state h_T [batch, hiddenSize] (h_0 when time is 0).</returns>
    public override (Tensor Output, Tensor State) forward(Tensor input, Tensor? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: true);
        LayerChecks.State(state, input, Options.HiddenSize, nameof(state));
        using var scope = NewDisposeScope();
        var (a, x) = Coefficients(input);
        var h = LinearRecurrence.apply(x, a, state);
        var final = h.size(1) > 0 ? h.select(1, -1) : state?.alias() ?? Zeros(input);
        return (h.MoveToOuterDisposeScope(), final.MoveToOuterDisposeScope());
    }

    /// <summary>One time step with the same weights, for streaming: h_t from x_t and h_{t-1}.</summary>
    /// <param name="input">x_t [batch, inputSize].</param>
    /// <param name="state">h_{t-1} [batch, hiddenSize]; zero when null.</param>
    /// <returns>h_t both as the output and as the next state.</returns>
    public (Tensor Output, Tensor State) step(Tensor input, Tensor? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: false);
        LayerChecks.State(state, input, Options.HiddenSize, nameof(state));
        using var scope = NewDisposeScope();
        var (a, x) = Coefficients(input);
        var h = state is null ? x : a * state + x;
        return (h.MoveToOuterDisposeScope(), h.alias().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Chrono initialisation (Tallec &amp; Ollivier 2018): gate biases b_g = log(u − 1), u ~ U(2, maxTimescale),
    /// so the initial retention times 1/(1 − g) spread over about 1..maxTimescale steps instead of all
    /// being ≈ 2, through which no gradient survives a long sequence. Weights are left as they are.
    /// </summary>
    /// <param name="maxTimescale">Longest initial retention in steps (≥ 3), e.g. the training sequence length.</param>
    public void chrono_init(double maxTimescale)
    {
        using var _ = no_grad();
        gate.bias!.copy_(ChronoBias(Options.HiddenSize, maxTimescale));
    }

    /// <summary>
    /// Slows the recurrence down by <paramref name="factor"/>: b_g += ln k. Where the gate is near 1 (σ(q) ≈ 1 − e^{−q}),
    /// the leak 1 − g becomes (1 − g)/k, so h̃_t − h̃_{t−1} = (1 − g) ⊙ (i − h̃_{t−1}) takes steps k times smaller: the layer
    /// run on each input repeated k times follows the original run on the inputs (Euler steps Δ/k instead of Δ). A model
    /// trained on sequences of length T, slowed by k, starts where it was on sequences of length kT.
    /// </summary>
    /// <param name="factor">k &gt; 0: the ratio of the new time scale to the old (e.g. of sequence lengths).</param>
    public void rescale_time(double factor)
    {
        double shift = TimeShift(factor);
        using var _ = no_grad();
        gate.bias!.add_(shift);
    }

    /// <summary>ln k, the logit shift that divides a small leak (or a small gate) by k; k must be positive and finite.</summary>
    internal static double TimeShift(double factor)
    {
        if (!(factor > 0) || double.IsInfinity(factor))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor must be a positive finite time ratio, got {factor}.");
        return Math.Log(factor);
    }

    /// <summary>log(u − 1), u ~ U(2, maxTimescale): biases whose sigmoid retains for about u steps.</summary>
    internal static Tensor ChronoBias(long count, double maxTimescale)
    {
        if (!(maxTimescale >= 3))
            throw new ArgumentOutOfRangeException(nameof(maxTimescale), maxTimescale, $"maxTimescale must be ≥ 3 steps, got {maxTimescale}.");
        return (rand(count, dtype: ScalarType.Float64) * (maxTimescale - 2) + 1).log();
    }

    /// <summary>The recurrence's coefficients for inputs of any leading shape: a = g, x = (1 − g) ⊙ i.</summary>
    internal (Tensor A, Tensor X) Coefficients(Tensor input) => Coefficients(gate.forward(input), candidate.forward(input));

    /// <summary>a = g = σ(gatePre), x = (1 − g) ⊙ tanh(candidatePre), from the pre-activations W_g x + b_g and W_i x + b_i.</summary>
    internal static (Tensor A, Tensor X) Coefficients(Tensor gatePre, Tensor candidatePre)
    {
        var g = gatePre.sigmoid();
        return (g, (1 - g) * candidatePre.tanh());
    }

    /// <summary>[W_g; W_i] [2·hidden, input] and [b_g; b_i]: both input maps as one.</summary>
    internal (Tensor Weight, Tensor Bias) InputMap() =>
        (cat([gate.weight!, candidate.weight!], 0), cat([gate.bias!, candidate.bias!], 0));

    Tensor Zeros(Tensor input) => zeros(input.size(0), Options.HiddenSize, dtype: input.dtype, device: input.device);
}
