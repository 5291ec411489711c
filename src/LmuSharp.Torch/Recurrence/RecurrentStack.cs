using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// A stack of recurrent layers on the linear recurrence (<see cref="Sru"/>, <see cref="Qrnn"/>): layers × directions of
/// cells run by <see cref="CellStack"/>, with a whole-sequence <c>forward</c> and a <c>step</c>, and the stack's state
/// as <typeparamref name="TState"/>. State-dict names: <c>layers.{i}.</c> + the cell's names, i = layer · directions + direction.
/// </summary>
/// <typeparam name="TState">The state the stack carries between calls.</typeparam>
public abstract class RecurrentStack<TState> : nn.Module<Tensor, TState?, (Tensor Output, TState State)> where TState : class
{
    // Field names are the state-dict names.
    private readonly ModuleList<ScanCell> layers = new();

    private protected RecurrentStack(string name, StackOptions options, Func<int, ScanCell> cell) : base(name)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        for (int layer = 0; layer < options.Layers; layer++)
            for (int direction = 0; direction < options.Directions; direction++)
                layers.Add(cell(options.LayerInput(layer)));
        RegisterComponents();
    }

    /// <summary>The stack's architecture.</summary>
    public StackOptions Options { get; }

    /// <summary>Runs the whole sequence.</summary>
    /// <param name="input">x [batch, time, inputSize].</param>
    /// <param name="state">The state after earlier steps of the same sequences; zeros when null.</param>
    /// <returns>h [batch, time, hiddenSize · directions] and the state after the last step.</returns>
    public override (Tensor Output, TState State) forward(Tensor input, TState? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: true);
        if (state is not null) CheckState(state, input);
        using var scope = NewDisposeScope();
        var (output, states) = CellStack.Sequence(layers, Options, input, state is null ? null : Split(state), training);
        return (output.MoveToOuterDisposeScope(), Join(states));
    }

    /// <summary>One time step of a unidirectional stack with the same weights, for streaming.</summary>
    /// <param name="input">x_t [batch, inputSize].</param>
    /// <param name="state">The state after the previous step; zeros when null.</param>
    public (Tensor Output, TState State) step(Tensor input, TState? state)
    {
        LayerChecks.Input(input, Options.InputSize, sequence: false);
        if (state is not null) CheckState(state, input);
        using var scope = NewDisposeScope();
        var (output, states) = CellStack.Step(layers, Options, input, state is null ? null : Split(state), training);
        return (output.MoveToOuterDisposeScope(), Join(states));
    }

    /// <summary>The number of cells: layers · directions.</summary>
    private protected int Cells => layers.Count;

    /// <summary>The state as each cell's tensors, cell by cell.</summary>
    private protected abstract Tensor[][] Split(TState state);

    /// <summary>Each cell's tensors (in the current dispose scope) as the stack's state, moved out of that scope.</summary>
    private protected abstract TState Join(Tensor[][] states);

    /// <summary>Throws an <see cref="ArgumentException"/> naming what in <paramref name="state"/> does not fit <paramref name="input"/>.</summary>
    private protected abstract void CheckState(TState state, Tensor input);
}
