using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// An LMU layer: the <see cref="LmuCell"/> over a sequence. <c>forward(input [batch, time, inputSize], state)</c>
/// returns (output, final state); output is [batch, time, outputSize] with return_sequences, else the last
/// step's [batch, outputSize]. Pass the final state back in to continue a stream. Runs the parallel form by itself
/// whenever the options allow it (see <see cref="UsesParallel"/>), else the recurrence; <see cref="Implementation"/>
/// forces either. State-dict names: <c>cell.</c> + the <see cref="LmuCell"/> names, the same as <see cref="LmuParallel"/>.
/// </summary>
public sealed class Lmu : nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)>
{
#pragma warning disable IDE1006 // field name is the state_dict prefix
    readonly LmuCell cell;
#pragma warning restore IDE1006

    /// <summary>Creates the layer.</summary>
    /// <param name="options">The architecture.</param>
    /// <param name="implementation">Parallel, sequential, or chosen from the options.</param>
    /// <param name="name">The module name.</param>
    public Lmu(LmuOptions options, LmuImplementation implementation = LmuImplementation.Auto, string name = "Lmu") : base(name)
    {
        cell = new LmuCell(options);
        Implementation = implementation;
        RegisterComponents();
    }

    /// <summary>The layer's architecture.</summary>
    public LmuOptions Options => cell.Options;

    /// <summary>The cell holding the weights.</summary>
    public LmuCell Cell => cell;

    /// <summary>
    /// True when the options allow the parallel form: no feedback into the memory. With a recurrent hidden cell
    /// (Rnn, Lstm, Gru) the memory is computed for all steps at once and only the hidden cell is stepped.
    /// </summary>
    public bool CanRunParallel => Options.MemoryIsFeedForward;

    /// <summary>Parallel, sequential, or chosen from the options (<see cref="LmuImplementation.Auto"/>).</summary>
    public LmuImplementation Implementation
    {
        get;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentException($"Implementation must be a defined LmuImplementation, got {(int)value}.", nameof(Implementation));
            if (value == LmuImplementation.Parallel && !CanRunParallel)
                throw new ArgumentException("Implementation Parallel needs options without hiddenToMemory and memoryToMemory.", nameof(Implementation));
            field = value;
        }
    }

    /// <summary>Whether <c>forward</c> runs the parallel form (the visible result of <see cref="Implementation"/>).</summary>
    public bool UsesParallel => Implementation == LmuImplementation.Parallel || (Implementation == LmuImplementation.Auto && CanRunParallel);

    /// <summary>The parallel memory mode used when <see cref="UsesParallel"/> (default <see cref="ParallelMode.Auto"/>; Final acts as Auto with a recurrent hidden cell).</summary>
    public ParallelMode ParallelMode { get; set; } = ParallelMode.Auto;

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
        if (UsesParallel)
        {
            if (ParallelMode == ParallelMode.Final && Options.ReturnSequences && Options.Hidden is HiddenCell.None or HiddenCell.Linear)
                throw new ArgumentException("ParallelMode Final needs options.ReturnSequences false.", nameof(ParallelMode));
            return ParallelLmuForward.Run(cell, input, state, lengths, new(ParallelMode, 128, null));
        }
        return Recurrence(input, state, lengths);
    }

    /// <summary>One time step with the same weights: x_t [batch, inputSize], previous state (zeros when null) → (o_t, new state).</summary>
    /// <param name="input">x_t, [batch, inputSize].</param>
    /// <param name="state">The previous state, or null for zeros.</param>
    public (Tensor Output, LmuState State) step(Tensor input, LmuState? state) => cell.forward(input, state);

    /// <summary>The cell applied step by step; past a sequence's length, state and output hold.</summary>
    (Tensor Output, LmuState State) Recurrence(Tensor x, LmuState? state, Tensor? lengths)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], time = x.shape[1];
        if (Options.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        using var masks = DropoutMasks.Draw(cell, n, x.dtype, x.device);
        var current = state ?? LmuState.Zeros(Options, n, x.dtype, x.device);
        var len = lengths?.to(ScalarType.Int64, x.device);
        var outputs = new List<Tensor>((int)time);
        var encoded = cell.EncodeInput(x, masks);   // W_x x_t + b for all steps at once
        var system = cell.DiscreteMatrices();        // Ā, B̄ once per sequence (differentiable when trained)
        for (long t = 0; t < time; t++)
        {
            var (o, next) = cell.Step(x.select(1, t), encoded.select(1, t), current, system, masks);
            if (len is not null && t > 0)
            {
                var valid = len.gt(t).view(n, 1);
                o = where(valid, o, outputs[^1]);
                next = new LmuState(where(valid.view(n, 1, 1), next.Memory, current.Memory),
                    next.Hidden is null ? null : where(valid, next.Hidden, current.Hidden!),
                    next.Cell is null ? null : where(valid, next.Cell, current.Cell!));
            }
            outputs.Add(o);
            current = next;
        }
        var output = Options.ReturnSequences ? stack(outputs, 1) : outputs[^1];
        return LmuState.MoveOut(output, current);
    }
}
