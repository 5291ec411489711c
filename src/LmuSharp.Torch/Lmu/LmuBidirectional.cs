using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// Two <see cref="Lmu"/> layers, one reading each sequence forwards and one backwards, outputs concatenated along
/// features: [batch, time, 2·outputSize] (the backward outputs re-aligned with the input's time order) or
/// [batch, 2·outputSize]. State-dict names: <c>forward_layer.cell.*</c> and <c>backward_layer.cell.*</c>.
/// </summary>
public sealed class LmuBidirectional : nn.Module<Tensor, (LmuState Forward, LmuState Backward)?, (Tensor Output, (LmuState Forward, LmuState Backward) State)>
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Lmu forward_layer;
    readonly Lmu backward_layer;
#pragma warning restore IDE1006

    /// <summary>Creates both directions from <paramref name="options"/> (its GoBackwards is ignored).</summary>
    /// <param name="options">The architecture of each direction.</param>
    /// <param name="computation">How each direction computes the sequence; null for <see cref="LmuComputation.Auto"/>.</param>
    /// <param name="name">The module name.</param>
    public LmuBidirectional(LmuOptions options, LmuComputation? computation = null, string name = "LmuBidirectional") : base(name)
    {
        forward_layer = new Lmu(options with { GoBackwards = false }, computation);
        backward_layer = new Lmu(options with { GoBackwards = true }, computation);
        RegisterComponents();
    }

    /// <summary>The forward-reading layer.</summary>
    public Lmu Forward => forward_layer;

    /// <summary>The backward-reading layer.</summary>
    public Lmu Backward => backward_layer;

    /// <summary>Runs both directions: input [batch, time, inputSize] → (concatenated output, both final states).</summary>
    /// <param name="input">x, [batch, time, inputSize].</param>
    /// <param name="state">Initial states of both directions, or null for zeros.</param>
    public override (Tensor Output, (LmuState Forward, LmuState Backward) State) forward(Tensor input, (LmuState Forward, LmuState Backward)? state) =>
        forward(input, state, null);

    /// <summary>As <see cref="forward(Tensor, ValueTuple{LmuState, LmuState}?)"/> for sequences of different lengths.</summary>
    /// <param name="input">x, [batch, time, inputSize], padded after each sequence's end.</param>
    /// <param name="state">Initial states of both directions, or null for zeros.</param>
    /// <param name="lengths">[batch] integer lengths in 1..time.</param>
    public (Tensor Output, (LmuState Forward, LmuState Backward) State) forward(Tensor input, (LmuState Forward, LmuState Backward)? state, Tensor? lengths)
    {
        using var scope = NewDisposeScope();
        var (f, fState) = forward_layer.forward(input, state?.Forward, lengths);
        var (b, bState) = backward_layer.forward(input, state?.Backward, lengths);
        if (forward_layer.Options.ReturnSequences) b = TimeIndex.Reverse(b, lengths);
        var output = cat([f, b], -1);
        return (output.MoveToOuterDisposeScope(), (fState.MoveToOuterDisposeScope(), bState.MoveToOuterDisposeScope()));
    }
}
