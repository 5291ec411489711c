using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The state an LMU carries between steps, memory first: M [batch, memoryD, order], then the hidden cell's
/// state h [batch, hiddenSize] (the last output for a <see cref="HiddenCell.Linear"/> cell) and, for an LSTM, c.
/// Pass it back into <c>forward</c> or <c>step</c> to continue a stream.
/// </summary>
/// <param name="Memory">The Legendre memory M_t, [batch, memoryD, order].</param>
/// <param name="Hidden">The hidden state h_t, [batch, hiddenSize]; null without a hidden cell.</param>
/// <param name="Cell">The LSTM cell state c_t, [batch, hiddenSize]; null for other hidden cells.</param>
public sealed record LmuState(Tensor Memory, Tensor? Hidden = null, Tensor? Cell = null) : IDisposable
{
    /// <summary>A state of zeros for <paramref name="batch"/> sequences of a layer with <paramref name="options"/>.</summary>
    /// <param name="options">The layer's options.</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="dtype">The element type.</param>
    /// <param name="device">The device; CPU when null.</param>
    public static LmuState Zeros(LmuOptions options, long batch, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var memory = zeros([batch, options.MemoryD, options.Order], dtype, device);
        var hidden = options.Hidden == HiddenCell.None ? null : zeros([batch, options.HiddenSize], dtype, device);
        var cell = options.Hidden == HiddenCell.Lstm ? zeros([batch, options.HiddenSize], dtype, device) : null;
        return new LmuState(memory, hidden, cell);
    }

    /// <summary>The state's tensors in order: memory, then hidden and cell when present.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        yield return Memory;
        if (Hidden is not null) yield return Hidden;
        if (Cell is not null) yield return Cell;
    }

    /// <summary>Moves the state's tensors out of the current dispose scope (to keep a stream's state across scopes).</summary>
    public LmuState MoveToOuterDisposeScope()
    {
        foreach (var t in Tensors()) t.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>
    /// Moves a layer's (output, state) out of the current dispose scope. Where the output is also the hidden state
    /// (o_t = h_t) the state gets its own handle: moving one tensor twice would carry it past the caller's scope
    /// (a leak), and a shared handle would die with whichever of the two the caller disposes first.
    /// </summary>
    internal static (Tensor Output, LmuState State) MoveOut(Tensor output, LmuState state)
    {
        if (ReferenceEquals(state.Hidden, output)) state = state with { Hidden = output.alias() };
        return (output.MoveToOuterDisposeScope(), state.MoveToOuterDisposeScope());
    }

    /// <summary>Per sequence, this state where <paramref name="valid"/> [batch, 1] is true, else <paramref name="otherwise"/>.</summary>
    internal LmuState Where(Tensor valid, LmuState otherwise) => new(
        where(valid.unsqueeze(-1), Memory, otherwise.Memory),
        Hidden is null ? null : where(valid, Hidden, otherwise.Hidden!),
        Cell is null ? null : where(valid, Cell, otherwise.Cell!));

    /// <summary>Disposes the state's tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors()) t.Dispose();
    }
}
