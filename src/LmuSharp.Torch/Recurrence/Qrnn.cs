using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Quasi-recurrent neural network layers (QRNN, Bradbury et al. 2017) with fo-pooling on the parallel linear recurrence
/// (Martin &amp; Cundy 2018), batch-first. Per layer and direction, with the window w_t = [x_{t−k+1}; …; x_t]:
/// <code>
/// [ẑ_t; f̂_t; ô_t] = W w_t + b,   z_t = tanh(ẑ_t),   f_t = σ(f̂_t),   o_t = σ(ô_t)
/// c_t = f_t ⊙ c_{t−1} + (1 − f_t) ⊙ z_t
/// h_t = o_t ⊙ c_t
/// </code>
/// The convolution is one matrix product over all steps, the pooling one <see cref="LinearRecurrence"/> scan. State:
/// <see cref="QrnnState"/> (c and the inputs the next window needs). State dict: <c>layers.{i}.gates.weight</c>
/// [3·hidden, k·input_l] (rows z, f, o; columns window position major, oldest first), <c>layers.{i}.gates.bias</c>
/// [3·hidden]; i = layer · directions + direction.
/// </summary>
public sealed class Qrnn : RecurrentStack<QrnnState>
{
    /// <summary>Creates one unidirectional QRNN layer with freshly initialised weights.</summary>
    /// <param name="inputSize">Features per input step.</param>
    /// <param name="hiddenSize">Units of c and h.</param>
    /// <param name="window">The convolution's width k (1: QRNN-1, 2: the usual QRNN-2).</param>
    public Qrnn(int inputSize, int hiddenSize, int window = 2) : this(new StackOptions(inputSize, hiddenSize), window) { }

    /// <summary>Creates the stack the options describe.</summary>
    /// <param name="options">Sizes, layers, dropout, directions.</param>
    /// <param name="window">The convolution's width k ≥ 1.</param>
    public Qrnn(StackOptions options, int window = 2)
        : base(nameof(Qrnn), options, input => new QrnnCell(input, options.HiddenSize, LayerChecks.Positive(window, nameof(window)))) => Window = window;

    /// <summary>The convolution's width k.</summary>
    public int Window { get; }

    private protected override Tensor[][] Split(QrnnState state) => state.Cell.unbind(0).Select((c, i) => new[] { c, state.Window[i] }).ToArray();

    private protected override QrnnState Join(Tensor[][] states) =>
        new(stack(states.Select(s => s[0]), 0).MoveToOuterDisposeScope(), states.Select(s => s[1].contiguous().MoveToOuterDisposeScope()).ToArray());

    private protected override void CheckState(QrnnState state, Tensor input)
    {
        long[] cell = [Cells, input.shape[0], Options.HiddenSize];
        if (!state.Cell.shape.SequenceEqual(cell))
            throw new ArgumentException($"state.Cell must have shape [layers · directions = {cell[0]}, batch = {cell[1]}, hiddenSize = {cell[2]}], got {LayerChecks.Shape(state.Cell)}.", nameof(state));
        if (state.Window.Count != Cells)
            throw new ArgumentException($"state.Window must hold {Cells} tensors (one per layer and direction), got {state.Window.Count}.", nameof(state));
        for (int i = 0; i < Cells; i++)
        {
            long[] window = [input.shape[0], Window - 1, Options.LayerInput(i / Options.Directions)];
            if (!state.Window[i].shape.SequenceEqual(window))
                throw new ArgumentException($"state.Window[{i}] must have shape [{string.Join(", ", window)}], got {LayerChecks.Shape(state.Window[i])}.", nameof(state));
        }
        LayerChecks.SameKind(state.Cell, input, nameof(state), nameof(input));
    }
}
