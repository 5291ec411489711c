using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>The state a <see cref="Qrnn"/> carries between calls: per layer and direction, c and the last k − 1 inputs.</summary>
/// <param name="Cell">c [layers · directions, batch, hiddenSize].</param>
/// <param name="Window">Per layer and direction, its last k − 1 inputs [batch, k − 1, input_l], oldest first.</param>
public sealed record QrnnState(Tensor Cell, IReadOnlyList<Tensor> Window);
