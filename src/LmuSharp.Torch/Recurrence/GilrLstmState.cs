using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>State of a <see cref="GilrLstm"/> layer between steps or sequences.</summary>
/// <param name="Gilr">The GILR state h̃ [batch, hiddenSize] (what the gates of the next step see).</param>
/// <param name="Cell">The cell c [batch, hiddenSize].</param>
public readonly record struct GilrLstmState(Tensor Gilr, Tensor Cell);
