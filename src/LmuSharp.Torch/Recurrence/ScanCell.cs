using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// One direction of one layer of a <see cref="CellStack"/>: a cell whose recurrence is linear in its state, run over a
/// whole sequence with one <see cref="LinearRecurrence"/> scan or stepped. Its state is a list of tensors [batch, …].
/// </summary>
internal abstract class ScanCell(string name) : nn.Module(name)
{
    /// <summary>The zero state for <paramref name="batch"/> sequences like <paramref name="like"/>.</summary>
    public abstract Tensor[] ZeroState(long batch, Tensor like);

    /// <summary>x [batch, time, input] → all outputs [batch, time, hidden] and the state after the last step.</summary>
    public abstract (Tensor Output, Tensor[] State) Sequence(Tensor x, Tensor[] state);

    /// <summary>x_t [batch, input] → the output [batch, hidden] and the next state.</summary>
    public abstract (Tensor Output, Tensor[] State) Step(Tensor x, Tensor[] state);
}
