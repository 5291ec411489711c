using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The parallel LMU (Chilkuri &amp; Eliasmith, ICML 2021; docs/MATH.md §3): no feedback into the memory, so
/// u_t = W_u x_t + b_u, M_{1:T} = H * u for the whole sequence at once, o_t = hidden([vec(M_t); x_t]).
/// The hidden cell is <see cref="HiddenCell.None"/> or <see cref="HiddenCell.Linear"/> (+ activation).
/// <c>forward(input [batch, time, inputSize], state)</c> returns (output, final state): output is
/// [batch, time, outputSize] with return_sequences, else [batch, outputSize] (then <see cref="ParallelMode.Final"/>
/// is used by default: one [T × order] matrix product per sample). <see cref="step"/> runs one step of the same
/// weights, for streaming. State-dict names: <c>cell.</c> + the <see cref="LmuCell"/> names.
/// </summary>
public sealed class LmuParallel : nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)>
{
#pragma warning disable IDE1006 // field name is the state_dict prefix
    readonly LmuCell cell;
#pragma warning restore IDE1006

    /// <summary>Creates the layer; <paramref name="options"/> must have no feedback into the memory and a None or Linear hidden cell.</summary>
    /// <param name="options">The architecture.</param>
    /// <param name="mode">How the memory is computed.</param>
    /// <param name="name">The module name.</param>
    /// <exception cref="ArgumentException">Options the parallel form cannot compute, or Final with return_sequences.</exception>
    public LmuParallel(LmuOptions options, ParallelMode mode = ParallelMode.Auto, string name = "LmuParallel") : base(name)
    {
        options.Validate();
        if (!options.MemoryIsFeedForward)
            throw new ArgumentException("options must not feed back into the memory (hiddenToMemory and memoryToMemory false) for the parallel form; use Lmu.", nameof(options));
        if (options.Hidden is not (HiddenCell.None or HiddenCell.Linear))
            throw new ArgumentException($"options.Hidden must be None or Linear for the parallel form, got {options.Hidden}; use Lmu (memory in parallel needs a feed-forward hidden cell).", nameof(options));
        cell = new LmuCell(options);
        Mode = mode;
        RegisterComponents();
    }

    /// <summary>The layer's architecture.</summary>
    public LmuOptions Options => cell.Options;

    /// <summary>The cell holding the weights (its <c>forward</c> is <see cref="step"/>).</summary>
    public LmuCell Cell => cell;

    /// <summary>How the memory is computed; <see cref="ParallelMode.Final"/> requires return_sequences false.</summary>
    public ParallelMode Mode
    {
        get;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentException($"mode must be a defined ParallelMode, got {(int)value}.", nameof(Mode));
            if (value == ParallelMode.Final && Options.ReturnSequences)
                throw new ArgumentException("mode Final computes the last state only: it needs options.ReturnSequences false.", nameof(Mode));
            field = value;
        }
    }

    /// <summary>The chunk length L of <see cref="ParallelMode.Chunked"/> (default 128).</summary>
    public long ChunkLength
    {
        get;
        set => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ChunkLength), value, "ChunkLength must be ≥ 1.");
    } = 128;

    /// <summary>Where <see cref="ParallelMode.Raw"/> truncates H, relative to max‖H_k‖; null: 1e-9 (float32) or 1e-15 (float64).</summary>
    public double? RawTolerance
    {
        get;
        set => field = value is null or (>= 0 and < 1) ? value : throw new ArgumentOutOfRangeException(nameof(RawTolerance), value, "RawTolerance must lie in [0, 1).");
    }

    /// <summary>The mode actually used for a sequence of <paramref name="time"/> steps (resolves <see cref="ParallelMode.Auto"/>).</summary>
    /// <param name="time">The sequence length T.</param>
    public ParallelMode ModeFor(long time) => ParallelLmuForward.Resolve(Mode, Options.ReturnSequences, time);

    /// <summary>Runs the whole sequence: input [batch, time, inputSize], optional initial state → (output, final state).</summary>
    /// <param name="input">x, [batch, time, inputSize].</param>
    /// <param name="state">The initial state, or null for zeros.</param>
    public override (Tensor Output, LmuState State) forward(Tensor input, LmuState? state) => forward(input, state, null);

    /// <summary>As <see cref="forward(Tensor, LmuState?)"/> for a batch of sequences of different lengths.</summary>
    /// <param name="input">x, [batch, time, inputSize], padded after each sequence's end.</param>
    /// <param name="state">The initial state, or null for zeros.</param>
    /// <param name="lengths">[batch] integer lengths in 1..time; steps past a length change neither the state nor the output (it holds).</param>
    public (Tensor Output, LmuState State) forward(Tensor input, LmuState? state, Tensor? lengths)
    {
        LmuChecks.Sequence(input, state, lengths, Options, cell.ParameterType);
        return ParallelLmuForward.Run(cell, input, state, lengths, new(Mode, ChunkLength, RawTolerance));
    }

    /// <summary>One time step with the same weights: x_t [batch, inputSize], previous state (zeros when null) → (o_t, new state).</summary>
    /// <param name="input">x_t, [batch, inputSize].</param>
    /// <param name="state">The previous state, or null for zeros.</param>
    public (Tensor Output, LmuState State) step(Tensor input, LmuState? state) => cell.forward(input, state);
}
