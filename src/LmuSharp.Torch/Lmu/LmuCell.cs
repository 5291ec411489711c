using LmuSharp.Memory;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// One step of the LMU cell (Voelker, Kajić &amp; Eliasmith 2019; docs/MATH.md §2), for <c>memoryD</c> channels:
/// <code>
/// u_t = W_x x_t [+ W_h h_{t−1}] [+ W_m vec(M_{t−1})] [+ b]
/// M_t = M_{t−1} Āᵀ + u_t B̄ᵀ                       (M is memoryD × order)
/// o_t, h_t = hidden_cell([vec(M_t); x_t]; h_{t−1})
/// </code>
/// <c>forward(x_t [batch, inputSize], state)</c> returns (o_t, new state). State-dict names (stable):
/// <c>input_encoder.weight</c> [memoryD, inputSize], <c>input_encoder.bias</c> [memoryD] (useBias),
/// <c>hidden_encoder.weight</c> [memoryD, hiddenSize] (hiddenToMemory), <c>memory_encoder.weight</c>
/// [memoryD, memoryD·order] (memoryToMemory), <c>hidden.*</c> (TorchSharp's Linear/RNNCell/LSTMCell/GRUCell names),
/// <c>theta_inv</c> [] (trainableTheta), <c>A</c> [order, order] and <c>B</c> [order] (trainableAB).
/// </summary>
public sealed class LmuCell : nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)>
{
#pragma warning disable IDE1006 // field names are the state_dict names
    readonly Linear input_encoder;
    readonly Linear? hidden_encoder;
    readonly Linear? memory_encoder;
    readonly nn.Module? hidden;
    readonly Parameter? theta_inv;
    readonly Parameter? A;
    readonly Parameter? B;
#pragma warning restore IDE1006
    readonly LegendreTensors _legendre;

    /// <summary>Creates a cell; <paramref name="options"/> is validated first.</summary>
    /// <param name="options">The architecture (the sequence flags are ignored by the cell).</param>
    /// <param name="name">The module name.</param>
    public LmuCell(LmuOptions options, string name = "LmuCell") : base(name)
    {
        _legendre = new LegendreTensors(options, options.Discretize()); // validates; the one discretisation of a fixed θ, A, B
        Options = options;
        input_encoder = nn.Linear(options.InputSize, options.MemoryD, hasBias: options.UseBias);
        using (no_grad())
        {
            nn.init.xavier_uniform_(input_encoder.weight!);
            input_encoder.bias?.zero_();
            if (options.HiddenToMemory)
            {
                hidden_encoder = nn.Linear(options.HiddenSize, options.MemoryD, hasBias: false);
                nn.init.xavier_uniform_(hidden_encoder.weight!);
            }
            if (options.MemoryToMemory)
            {
                memory_encoder = nn.Linear(options.MemorySize, options.MemoryD, hasBias: false);
                nn.init.orthogonal_(memory_encoder.weight!);
            }
        }
        hidden = options.Hidden switch
        {
            HiddenCell.Linear => nn.Linear(options.HiddenInputSize, options.HiddenSize),
            HiddenCell.Rnn => nn.RNNCell(options.HiddenInputSize, options.HiddenSize,
                options.HiddenActivation == Activation.Relu ? TorchSharp.torch.nn.NonLinearities.ReLU : TorchSharp.torch.nn.NonLinearities.Tanh),
            HiddenCell.Lstm => nn.LSTMCell(options.HiddenInputSize, options.HiddenSize),
            HiddenCell.Gru => nn.GRUCell(options.HiddenInputSize, options.HiddenSize),
            _ => null,
        };
        if (options.TrainableTheta) theta_inv = nn.Parameter(tensor(1 / options.Theta, ScalarType.Float32));
        if (options.TrainableAB)
        {
            var (a, b) = LegendreTensors.Continuous(options.Order);
            A = nn.Parameter(a.to(ScalarType.Float32));
            B = nn.Parameter(b.to(ScalarType.Float32));
            a.Dispose();
            b.Dispose();
        }
        RegisterComponents();
    }

    /// <summary>The cell's architecture.</summary>
    public LmuOptions Options { get; }

    /// <summary>The current window θ: the options' value, or 1/θ⁻¹ when θ is trained.</summary>
    public double Theta => theta_inv is null ? Options.Theta : 1 / theta_inv.to(ScalarType.Float64).item<double>();

    /// <summary>The element type of the cell's parameters; inputs must match it.</summary>
    public ScalarType ParameterType => input_encoder.weight!.dtype;

    /// <summary>The input encoder's W_x [memoryD, inputSize] and b [memoryD] (null without useBias), for fused kernels.</summary>
    internal (Tensor Weight, Tensor? Bias) InputEncoder => (input_encoder.weight!, input_encoder.bias);

    /// <summary>The discretised (Ā [order, order], B̄ [order]) in the parameters' dtype and device, differentiable when trained.</summary>
    public (Tensor ABar, Tensor BBar) DiscreteMatrices() => Operators().Matrices();

    /// <summary>The memory's operators (Ā, B̄, H in its parallel forms) in the parameters' dtype and device.</summary>
    internal MemoryOperators Operators() => new(_legendre, ParameterType, input_encoder.weight!.device, Learnt);

    /// <summary>One step: x_t [batch, inputSize] and the previous state (zeros when null) → (o_t, new state).</summary>
    /// <param name="input">x_t, [batch, inputSize].</param>
    /// <param name="state">The previous state, or null for zeros.</param>
    public override (Tensor Output, LmuState State) forward(Tensor input, LmuState? state)
    {
        LmuChecks.Step(input, state, Options, ParameterType);
        using var scope = NewDisposeScope();
        using var masks = DropoutMasks.Draw(this, input.shape[0], input.dtype, input.device);
        var (o, next) = Step(input, EncodeInput(input, masks), state ?? LmuState.Zeros(Options, input.shape[0], input.dtype, input.device),
            DiscreteMatrices(), masks);
        return LmuState.MoveOut(o, next);
    }

    LegendreTensors.Trainable? Learnt => theta_inv is null && A is null ? null : new(theta_inv, A, B);

    /// <summary>
    /// The step without checks, in the caller's dispose scope. <paramref name="encodedInput"/> is W_x x_t + b
    /// (computed for all steps at once by the sequence layer); <paramref name="system"/> is (Ā, B̄), computed once
    /// per sequence; <paramref name="masks"/> holds the sequence's dropout masks.
    /// </summary>
    internal (Tensor Output, LmuState State) Step(Tensor x, Tensor encodedInput, LmuState state, (Tensor ABar, Tensor BBar) system, DropoutMasks masks)
    {
        var u = encodedInput;
        if (hidden_encoder is not null) u = u + hidden_encoder.forward(masks.Hidden(state.Hidden!));
        if (memory_encoder is not null) u = u + memory_encoder.forward(masks.Memory(state.Memory.flatten(1)));
        using var one = Unit();
        var m = state.Memory.matmul(system.ABar.mT).addcmul_(u.unsqueeze(-1), system.BBar, one); // M_t = M_{t−1} Āᵀ + u_t B̄ᵀ
        var (o, h, c) = Hidden(m.flatten(1), x, state);
        return (o, new LmuState(m, h, c));
    }

    /// <summary>u_t = W_x x_t + b for every step at once: x [N, T, inputSize] → [N, T, memoryD].</summary>
    internal Tensor EncodeInput(Tensor x, DropoutMasks masks) => input_encoder.forward(masks.Input(x));

    /// <summary>
    /// The last memory state from the input's window sums (<see cref="LmuMode.Final"/> with the memory fixed):
    /// <code>
    /// M_T = Σ_t u_t H_{T−1−t} = W_x Z + b S,   Z = Σ_t x_t ⊗ H_{T−1−t},   S = Σ_t H_{T−1−t}
    /// </code>
    /// with <paramref name="windows"/> [N, inputSize + 1, d] holding Z's rows and, last, S (each row contiguous, so
    /// every product below runs along d). The input dropout mask scales x (hence Z) per sequence, as in
    /// <see cref="EncodeInput"/>. Returns M_T [N, memoryD, d].
    /// </summary>
    internal Tensor EncodeWindows(Tensor windows, DropoutMasks masks)
    {
        int inputs = Options.InputSize;
        var z = masks.InputWindows(windows.narrow(1, 0, inputs));                // [N, C, d]
        var w = input_encoder.weight!;                                           // W_x [memoryD, C]
        var m = inputs == 1 ? z * w : w.matmul(z);                               // W_x Z [N, memoryD, d]; one input: a broadcast product
        using var one = Unit();
        if (input_encoder.bias is { } b) m = m.addcmul(windows.narrow(1, inputs, 1), b.unsqueeze(1), one); // + b S
        return m;
    }

    /// <summary>
    /// The scalar 1 for <c>addcmul</c>'s value, held by the caller until the op returns: an implicitly converted literal
    /// is garbage as soon as its native handle is passed, and its finalizer could free it while libtorch reads it (seen
    /// once: "Expected false to be true" in c10's Scalar::toFloat inside addcmul_).
    /// </summary>
    static Scalar Unit() => 1.ToScalar();

    /// <summary>The hidden cell on [vec(M_t); x_t]: (o_t, h_t, c_t). Works on any leading shape for None/Linear.</summary>
    internal (Tensor Output, Tensor? Hidden, Tensor? Cell) Hidden(Tensor memory, Tensor? x, LmuState? previous)
    {
        var input = Options.InputToHidden ? cat([memory, x!], -1) : memory;
        switch (hidden)
        {
            case null: return (memory, null, null);
            case Linear linear:
                var o = Activate(linear.forward(input), Options.HiddenActivation);
                return (o, o, null);
            case RNNCell rnn:
                var h = rnn.forward(input, previous?.Hidden);
                return (h, h, null);
            case GRUCell gru:
                var g = gru.forward(input, previous?.Hidden);
                return (g, g, null);
            case LSTMCell lstm:
                var (hl, cl) = lstm.forward(input, previous is null ? null : (previous.Hidden!, previous.Cell!));
                return (hl, hl, cl);
            default: throw new InvalidOperationException($"unexpected hidden module {hidden.GetType().Name}");
        }
    }

    /// <summary>
    /// For a <see cref="HiddenCell.Rnn"/> hidden cell, h_t = φ(W_m vec(M_t) + W_x x_t + b_ih + b_hh + W_hh h_{t−1}) split
    /// into W_m (the memory's columns of W_ih), the memory-free input part W_x x_t + b_ih + b_hh for all steps
    /// (x [N, T, inputSize] → [N, T, H]), and W_hh.
    /// </summary>
    internal (Tensor MemoryWeight, Tensor Input, Tensor Weight) RnnParts(Tensor x)
    {
        var rnn = (RNNCell)hidden!;
        var weight = rnn.weight_ih!;
        long size = Options.MemorySize;
        var bias = rnn.bias_ih! + rnn.bias_hh!; // the cell is built with biases
        var input = Options.InputToHidden ? nn.functional.linear(x, weight.narrow(1, size, weight.shape[1] - size), bias) : bias.expand(x.shape[0], x.shape[1], -1);
        return (weight.narrow(1, 0, size), input, rnn.weight_hh!);
    }

    internal static Tensor Activate(Tensor z, Activation activation) => activation switch
    {
        Activation.Identity => z,
        Activation.Tanh => z.tanh(),
        Activation.Relu => nn.functional.relu(z),
        Activation.Sigmoid => z.sigmoid(),
        _ => nn.functional.gelu(z),
    };

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _legendre.Dispose();
        base.Dispose(disposing);
    }
}
