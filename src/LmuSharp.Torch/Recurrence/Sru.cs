using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Simple recurrent units (SRU, Lei et al. 2018) on the parallel linear recurrence (Martin &amp; Cundy 2018), batch-first.
/// Per layer and direction:
/// <code>
/// [x̃_t; f̂_t; r̂_t] = W x_t + b,   f_t = σ(f̂_t),   r_t = σ(r̂_t)
/// c_t = f_t ⊙ c_{t−1} + (1 − f_t) ⊙ x̃_t
/// h_t = r_t ⊙ tanh(c_t) + (1 − r_t) ⊙ s_t        (s_t = x_t, or W_s x_t when the sizes differ)
/// </code>
/// All gates depend on x only, so each layer is one matrix product and one <see cref="LinearRecurrence"/> scan.
/// State: c [layers · directions, batch, hidden], as torch.nn.RNN orders h_n. State dict: <c>layers.{i}.gates.weight</c>
/// [3·hidden, input_l] (rows x̃, f, r), <c>layers.{i}.gates.bias</c> [3·hidden], <c>layers.{i}.skip.weight</c>
/// [hidden, input_l] where input_l ≠ hidden; i = layer · directions + direction.
/// </summary>
public sealed class Sru : RecurrentStack<Tensor>
{
    /// <summary>Creates one unidirectional SRU layer with freshly initialised weights.</summary>
    /// <param name="inputSize">Features per input step.</param>
    /// <param name="hiddenSize">Units of c and h.</param>
    public Sru(int inputSize, int hiddenSize) : this(new StackOptions(inputSize, hiddenSize)) { }

    /// <summary>Creates the stack the options describe.</summary>
    /// <param name="options">Sizes, layers, dropout, directions.</param>
    public Sru(StackOptions options) : base(nameof(Sru), options, input => new SruCell(input, options.HiddenSize)) { }

    private protected override Tensor[][] Split(Tensor state) => state.unbind(0).Select(c => new[] { c }).ToArray();

    private protected override Tensor Join(Tensor[][] states) => stack(states.Select(s => s[0]), 0).MoveToOuterDisposeScope();

    private protected override void CheckState(Tensor state, Tensor input)
    {
        long[] expected = [Cells, input.shape[0], Options.HiddenSize];
        if (!state.shape.SequenceEqual(expected))
            throw new ArgumentException($"state must have shape [layers · directions = {expected[0]}, batch = {expected[1]}, hiddenSize = {expected[2]}], got {LayerChecks.Shape(state)}.", nameof(state));
        LayerChecks.SameKind(state, input, nameof(state), nameof(input));
    }
}
