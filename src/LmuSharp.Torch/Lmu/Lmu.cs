using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// An LMU layer: the <see cref="LmuCell"/> over a sequence. <c>forward(input [batch, time, inputSize], state)</c>
/// returns (output, final state); output is [batch, time, outputSize] with return_sequences, else the last
/// step's [batch, outputSize]. Pass the final state back in to continue a stream.
/// <para>
/// <see cref="Computation"/> says how the sequence is computed. By default (<see cref="LmuMode.Auto"/>) the layer
/// steps the cell when something feeds back into the memory, and otherwise computes the memory for all steps at once
/// (Chilkuri &amp; Eliasmith 2021): the final-state product when only the last output of a feed-forward hidden cell
/// is needed, else FFT. Every mode equals the plain recurrence up to rounding. State-dict names: <c>cell.</c> + the
/// <see cref="LmuCell"/> names, whatever the mode.
/// </para>
/// </summary>
public sealed class Lmu : nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)>
{
#pragma warning disable IDE1006 // field name is the state_dict prefix
    readonly LmuCell cell;
#pragma warning restore IDE1006

    /// <summary>Creates the layer.</summary>
    /// <param name="options">The architecture.</param>
    /// <param name="computation">How the sequence is computed (a <see cref="LmuMode"/> converts); null for <see cref="LmuComputation.Auto"/>.</param>
    /// <param name="name">The module name.</param>
    /// <exception cref="ArgumentException">Inconsistent options, or a mode that cannot compute them.</exception>
    public Lmu(LmuOptions options, LmuComputation? computation = null, string name = "Lmu") : base(name)
    {
        cell = new LmuCell(options);
        Computation = computation ?? LmuComputation.Auto;
        RegisterComponents();
    }

    /// <summary>The layer's architecture.</summary>
    public LmuOptions Options => cell.Options;

    /// <summary>The cell holding the weights (its <c>forward</c> is <see cref="step"/>).</summary>
    public LmuCell Cell => cell;

    /// <summary>How the sequence is computed; a mode that cannot compute the layer's options is refused.</summary>
    public LmuComputation Computation
    {
        get;
        set => field = (value ?? throw new ArgumentNullException(nameof(Computation))).Validate(Options);
    }

    /// <summary>The mode <c>forward</c> runs: <see cref="Computation"/>'s mode with <see cref="LmuMode.Auto"/> resolved.</summary>
    public LmuMode Mode => Computation.Resolve(Options);

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
        var mode = Mode;
        return mode == LmuMode.Sequential ? Sequential(input, state, lengths) : ParallelLmuForward.Run(cell, input, state, lengths, mode, Computation);
    }

    /// <summary>
    /// True when the last memory state is linear in the data through fixed weights: the layer runs in
    /// <see cref="LmuMode.Final"/> and neither θ nor A, B is trained. Then <see cref="PrecomputeInput"/> and
    /// <see cref="ForwardPrecomputed"/> split <c>forward</c> into a part computed once per data set and a cheap rest.
    /// </summary>
    public bool CanPrecomputeInput => Mode == LmuMode.Final && !Options.TrainableTheta && !Options.TrainableAB;

    /// <summary>
    /// The data-only part of the final memory state, per sequence: Z = Σ_t x_t ⊗ H_{T−1−t} and S = Σ_t H_{T−1−t}
    /// (and x_T when the hidden cell reads the input), as [batch, features] rows, without gradient.
    /// <c>ForwardPrecomputed(PrecomputeInput(x, lengths))</c> equals <c>forward(x, null, lengths)</c>.
    /// </summary>
    /// <param name="input">x, [batch, time, inputSize].</param>
    /// <param name="lengths">[batch] integer lengths in 1..time, or null when every sequence fills the time axis.</param>
    /// <exception cref="InvalidOperationException"><see cref="CanPrecomputeInput"/> is false.</exception>
    public Tensor PrecomputeInput(Tensor input, Tensor? lengths = null)
    {
        if (!CanPrecomputeInput)
            throw new InvalidOperationException($"PrecomputeInput needs mode Final (this layer runs {Mode}) and a fixed memory (trainableTheta and trainableAB false).");
        LmuChecks.Sequence(input, null, lengths, Options, cell.ParameterType);
        return FinalMemoryWindows.Features(cell, input, lengths);
    }

    /// <summary>
    /// The layer on rows of <see cref="PrecomputeInput"/>: M_T = W_x Z + b S, then the hidden cell; returns (output,
    /// final state) as <c>forward</c> does, with the same dropout and the same gradients for every trained parameter.
    /// </summary>
    /// <param name="features">[batch, features] from <see cref="PrecomputeInput"/>.</param>
    public (Tensor Output, LmuState State) ForwardPrecomputed(Tensor features)
    {
        if (!CanPrecomputeInput)
            throw new InvalidOperationException($"ForwardPrecomputed needs mode Final (this layer runs {Mode}) and a fixed memory (trainableTheta and trainableAB false).");
        LmuChecks.Features(features, FinalMemoryWindows.Width(Options), cell.ParameterType);
        return FinalMemoryWindows.Forward(cell, features);
    }

    /// <summary>One time step with the same weights: x_t [batch, inputSize], previous state (zeros when null) → (o_t, new state).</summary>
    /// <param name="input">x_t, [batch, inputSize].</param>
    /// <param name="state">The previous state, or null for zeros.</param>
    public (Tensor Output, LmuState State) step(Tensor input, LmuState? state) => cell.forward(input, state);

    /// <summary>The cell applied step by step (<see cref="LmuMode.Sequential"/>).</summary>
    (Tensor Output, LmuState State) Sequential(Tensor x, LmuState? state, Tensor? lengths)
    {
        using var scope = NewDisposeScope();
        if (Options.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        using var masks = DropoutMasks.Draw(cell, x.shape[0], x.dtype, x.device);
        // unbind, not select: select's backward writes a whole [N, T, …] gradient per step
        var (inputs, encoded) = (x.unbind(1), cell.EncodeInput(x, masks).unbind(1)); // W_x x_t + b for all steps at once
        var system = cell.DiscreteMatrices();                                          // Ā, B̄ once per sequence
        var initial = state ?? LmuState.Zeros(Options, x.shape[0], x.dtype, x.device);
        var (output, final) = StepLoop.Run(inputs.Length, initial, lengths, Options.ReturnSequences,
            (t, previous) => cell.Step(inputs[t], encoded[t], previous, system, masks));
        return LmuState.MoveOut(output, final);
    }
}
