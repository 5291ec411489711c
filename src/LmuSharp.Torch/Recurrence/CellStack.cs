using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Layers × directions of <see cref="ScanCell"/>s, as torch.nn.RNN stacks them: a backward direction reads the sequence
/// reversed and its outputs are reversed back; directions are concatenated on the feature axis; dropout (training only)
/// between layers. Cell i = layer · directions + direction; its state is <c>states[i]</c>.
/// </summary>
internal static class CellStack
{
    /// <summary>The whole sequence: x [batch, time, input] → outputs [batch, time, outputSize] and every cell's final state.</summary>
    public static (Tensor Output, Tensor[][] States) Sequence(IList<ScanCell> cells, StackOptions o, Tensor x, Tensor[][]? states, bool training)
    {
        var finals = new Tensor[cells.Count][];
        for (int layer = 0; layer < o.Layers; layer++)
        {
            if (layer > 0 && training && o.Dropout > 0) x = nn.functional.dropout(x, o.Dropout, training: true);
            var outputs = new Tensor[o.Directions];
            for (int direction = 0; direction < o.Directions; direction++)
            {
                int i = layer * o.Directions + direction;
                var input = direction == 0 ? x : x.flip(1);
                var (y, state) = cells[i].Sequence(input, states?[i] ?? cells[i].ZeroState(x.shape[0], x));
                outputs[direction] = direction == 0 ? y : y.flip(1);
                finals[i] = state;
            }
            x = o.Directions == 1 ? outputs[0] : cat(outputs, -1);
        }
        return (x, finals);
    }

    /// <summary>One step of a unidirectional stack: x_t [batch, input] → output [batch, hiddenSize] and the next states.</summary>
    public static (Tensor Output, Tensor[][] States) Step(IList<ScanCell> cells, StackOptions o, Tensor x, Tensor[][]? states, bool training)
    {
        if (o.Bidirectional) throw new InvalidOperationException("a bidirectional layer reads the whole sequence: it has no step; use forward.");
        var next = new Tensor[cells.Count][];
        for (int layer = 0; layer < o.Layers; layer++)
        {
            if (layer > 0 && training && o.Dropout > 0) x = nn.functional.dropout(x, o.Dropout, training: true);
            (x, next[layer]) = cells[layer].Step(x, states?[layer] ?? cells[layer].ZeroState(x.shape[0], x));
        }
        return (x, next);
    }
}
