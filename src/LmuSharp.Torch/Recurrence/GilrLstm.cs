using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// GILR-LSTM layer (Martin &amp; Cundy 2018), batch-first: a <see cref="Gilr"/> layer h̃ feeds LSTM-style
/// gates that see h̃ and x but never h, so both recurrences are linear scans:
/// <code>
/// h̃_t        = GILR(x)_t
/// f, i, o    = σ(U h̃_{t-1} + V x_t + b)
/// z_t        = tanh(U_z h̃_{t-1} + V_z x_t + b_z)
/// c_t        = f_t ⊙ c_{t-1} + i_t ⊙ z_t
/// h_t        = o_t ⊙ c_t
/// </code>
/// The gates read the previous GILR state h̃_{t-1}, as an LSTM's gates read h_{t-1}: the step's own input
/// enters once, through V x_t (see docs/RECURRENCE.md).
/// State dict: <c>gilr.*</c> (see <see cref="Gilr"/>), <c>input_gates.weight</c> [4·hidden, input] (V),
/// <c>input_gates.bias</c> [4·hidden] (b), <c>gilr_gates.weight</c> [4·hidden, hidden] (U); gate rows in
/// the order f, i, o, z.
/// </summary>
public sealed class GilrLstm : nn.Module<Tensor, GilrLstmState?, (Tensor Output, GilrLstmState State)>
{
    // Field names are the state-dict names.
    private readonly Gilr gilr;
    private readonly Linear input_gates;
    private readonly Linear gilr_gates;

    /// <summary>Creates a GILR-LSTM layer with freshly initialised weights (nn.Linear's default initialisation).</summary>
    /// <param name="inputSize">Features per input step.</param>
    /// <param name="hiddenSize">Units of h̃, c and h.</param>
    public GilrLstm(int inputSize, int hiddenSize) : this(new GilrOptions(inputSize, hiddenSize)) { }

    /// <summary>Creates a GILR-LSTM layer with the given architecture: that of its GILR layer h̃ (h̃, c and h have the same size).</summary>
    /// <param name="options">Input and hidden sizes.</param>
    public GilrLstm(GilrOptions options) : base(nameof(GilrLstm))
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        gilr = new Gilr(options);
        input_gates = nn.Linear(options.InputSize, 4L * options.HiddenSize);
        gilr_gates = nn.Linear(options.HiddenSize, 4L * options.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The layer's architecture.</summary>
    public GilrOptions Options { get; }

    /// <summary>Runs the layer over a whole sequence.</summary>
    /// <param name="input">x [batch, time, inputSize].</param>
    /// <param name="state">(h̃_0, c_0), each [batch, hiddenSize]; zero when null.</param>
    /// <returns>All h_t [batch, time, hiddenSize] and the final state (h̃_T, c_T) (the initial state when time is 0).</returns>
    public override (Tensor Output, GilrLstmState State) forward(Tensor input, GilrLstmState? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: true);
        using var projection = project(input);
        return forward_projected(projection, state);
    }

    /// <summary>
    /// Everything the layer computes from x alone, for inputs of any leading shape: the pre-activations
    /// [W_g x + b_g, W_i x + b_i, V x + b] of the GILR gate, the GILR candidate and the gates f, i, o, z, as
    /// [..., 6·hiddenSize]. For inputs drawn from a small vocabulary (one-hot or embedded tokens), project the
    /// vocabulary once and gather its rows per step: the same values as projecting every step, for a fraction of the work.
    /// </summary>
    /// <param name="input">x [..., inputSize].</param>
    public Tensor project(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (weight, bias) = gilr.InputMap();
        var projection = nn.functional.linear(input, cat([weight, input_gates.weight!], 0), cat([bias, input_gates.bias!], 0));
        return projection.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the layer over a whole sequence from its input's <see cref="project"/>ion: the same as <see cref="forward"/> on that
    /// input. On the CPU the whole sequence is one autograd node (<see cref="GilrLstmFunction"/>: C# passes over time around
    /// two matrix products, forward and backward); elsewhere, tensor operations.
    /// </summary>
    /// <param name="projection"><see cref="project"/>(x) [batch, time, 6·hiddenSize].</param>
    /// <param name="state">(h̃_0, c_0), each [batch, hiddenSize]; zero when null.</param>
    /// <returns>All h_t [batch, time, hiddenSize] and the final state (h̃_T, c_T) (the initial state when time is 0).</returns>
    public (Tensor Output, GilrLstmState State) forward_projected(Tensor projection, GilrLstmState? state)
    {
        int hidden = Options.HiddenSize;
        LayerChecks.Input(projection, 6 * hidden, sequence: true, nameof(projection));
        CheckState(projection, state);
        using var scope = NewDisposeScope();
        long time = projection.size(1);
        var gilr0 = state?.Gilr ?? Zeros(projection);
        var cell0 = state?.Cell ?? Zeros(projection);
        if (projection.device_type == DeviceType.CPU && time > 0)
        {
            var outputs = GilrLstmFunction.apply(projection.contiguous(), gilr_gates.weight!, gilr0.contiguous(), cell0.contiguous());
            return (outputs[0].MoveToOuterDisposeScope(), new GilrLstmState(outputs[1].MoveToOuterDisposeScope(), outputs[2].MoveToOuterDisposeScope()));
        }
        var (a, x) = Gilr.Coefficients(projection.narrow(-1, 0, hidden), projection.narrow(-1, hidden, hidden));
        var htilde = LinearRecurrence.apply(x, a, state?.Gilr);
        var htildeLast = time > 0 ? htilde.select(1, -1) : gilr0.alias();
        var previous = time > 0 ? cat([gilr0.unsqueeze(1), htilde.narrow(1, 0, time - 1)], 1) : htilde; // h̃_{t-1}
        var (f, iz, o) = Gates(projection, 2 * hidden, gilr_gates.forward(previous));
        var c = LinearRecurrence.apply(iz, f, cell0);
        var cellLast = time > 0 ? c.select(1, -1) : cell0.alias();
        var h = o * c;
        return (h.MoveToOuterDisposeScope(), new GilrLstmState(htildeLast.MoveToOuterDisposeScope(), cellLast.MoveToOuterDisposeScope()));
    }

    /// <summary>One time step with the same weights, for streaming.</summary>
    /// <param name="input">x_t [batch, inputSize].</param>
    /// <param name="state">(h̃_{t-1}, c_{t-1}); zero when null.</param>
    /// <returns>h_t [batch, hiddenSize] and the next state (h̃_t, c_t).</returns>
    public (Tensor Output, GilrLstmState State) step(Tensor input, GilrLstmState? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: false);
        CheckState(input, state);
        using var scope = NewDisposeScope();
        var gilr0 = state?.Gilr ?? Zeros(input);
        var cell0 = state?.Cell ?? Zeros(input);
        var (htilde, _) = gilr.step(input, gilr0);
        var (f, iz, o) = Gates(input_gates.forward(input), 0, gilr_gates.forward(gilr0));
        var c = f * cell0 + iz;
        var h = o * c;
        return (h.MoveToOuterDisposeScope(), new GilrLstmState(htilde.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope()));
    }

    /// <summary>
    /// Chrono initialisation (Tallec &amp; Ollivier 2018) of both recurrences: the GILR gate biases (see
    /// <see cref="Gilr.chrono_init"/>) and the forget-gate biases b_f = log(u − 1), u ~ U(2, maxTimescale), with
    /// input-gate biases b_i = −b_f. Weights and the o, z biases are left as they are.
    /// </summary>
    /// <param name="maxTimescale">Longest initial retention in steps (≥ 3), e.g. the training sequence length.</param>
    public void chrono_init(double maxTimescale)
    {
        gilr.chrono_init(maxTimescale);
        using var _ = no_grad();
        var forget = Gilr.ChronoBias(Options.HiddenSize, maxTimescale);
        var bias = input_gates.bias!;
        bias.narrow(0, 0, Options.HiddenSize).copy_(forget);
        bias.narrow(0, Options.HiddenSize, Options.HiddenSize).copy_(-forget);
    }

    /// <summary>
    /// Slows both recurrences down by <paramref name="factor"/> k (see <see cref="Gilr.rescale_time"/>): b_g += ln k in the
    /// GILR, b_f += ln k and b_i −= ln k in the cell. Where f is near 1 and i near 0 (the gates of a long memory), the cell's
    /// step c_t − c_{t−1} = −(1 − f) ⊙ c_{t−1} + i ⊙ z shrinks k-fold in both terms, so the layer run on each input repeated
    /// k times follows the original run on the inputs. Used to warm-start a model trained on length T at length kT.
    /// </summary>
    /// <param name="factor">k &gt; 0: the ratio of the new time scale to the old (e.g. of sequence lengths).</param>
    public void rescale_time(double factor)
    {
        double shift = Gilr.TimeShift(factor);
        gilr.rescale_time(factor);
        using var _ = no_grad();
        var bias = input_gates.bias!;
        bias.narrow(0, 0, Options.HiddenSize).add_(shift);
        bias.narrow(0, Options.HiddenSize, Options.HiddenSize).sub_(shift);
    }

    /// <summary>
    /// f = σ(q_f), i ⊙ z = σ(q_i) ⊙ tanh(q_z), o = σ(q_o) from q = p[..., offset : offset + 4·hidden] + u, where p holds
    /// V x + b and u = U h̃_prev [..., 4·hidden]: one fused pass (<see cref="LstmGatesFunction"/>) on the CPU, tensor
    /// operations elsewhere.
    /// </summary>
    (Tensor F, Tensor Iz, Tensor O) Gates(Tensor p, int offset, Tensor u)
    {
        if (p.device_type != DeviceType.CPU)
        {
            var parts = (p.narrow(-1, offset, 4L * Options.HiddenSize) + u).chunk(4, -1);
            return (parts[0].sigmoid(), parts[1].sigmoid() * parts[3].tanh(), parts[2].sigmoid());
        }
        var gates = LstmGatesFunction.apply(p.contiguous(), offset, u.contiguous());
        return (gates[0], gates[1], gates[2]);
    }

    void CheckState(Tensor input, GilrLstmState? state)
    {
        if (state is not { } s) return;
        ArgumentNullException.ThrowIfNull(s.Gilr, "state.Gilr");
        ArgumentNullException.ThrowIfNull(s.Cell, "state.Cell");
        LayerChecks.State(s.Gilr, input, Options.HiddenSize, "state.Gilr");
        LayerChecks.State(s.Cell, input, Options.HiddenSize, "state.Cell");
    }

    Tensor Zeros(Tensor input) => zeros(input.size(0), Options.HiddenSize, dtype: input.dtype, device: input.device);
}
