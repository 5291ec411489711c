using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The training loss of the parallel LMU classifier (Chilkuri &amp; Eliasmith 2021: an LMU layer read at its last step,
/// dropout, a dense ReLU layer, dropout, a linear classifier) on rows of <see cref="Lmu.PrecomputeInput"/>:
/// <code>
/// loss = cross_entropy(DenseHead(M_T), y),   M_T = W_x Z + b S   (<see cref="Lmu.ForwardPrecomputed"/>)
/// </code>
/// In training on CPU in float32 or float64, for a layer whose output is its memory (no hidden cell), the whole loss
/// is one autograd node (<see cref="LmuClassifierLossFunction"/>): the encoder, the masks, the biases, the ReLU and the
/// softmax run in C# between the head's four matrix products, and the backward pass walks one node instead of a
/// dozen. Anywhere else it composes the modules. Both draw the same dropout masks in the same order and give the same
/// values and gradients.
/// </summary>
public static class LmuClassifierLoss
{
    /// <summary>The mean cross-entropy of the classifier on <paramref name="features"/> against <paramref name="targets"/>.</summary>
    /// <param name="layer">The LMU layer (<see cref="Lmu.CanPrecomputeInput"/> true).</param>
    /// <param name="features">[batch, features] rows of <paramref name="layer"/>'s <see cref="Lmu.PrecomputeInput"/>.</param>
    /// <param name="memoryDropout">Dropout on the layer's output (null: none).</param>
    /// <param name="dense">The dense layer (followed by ReLU).</param>
    /// <param name="dropout">Dropout on the dense layer's output (null: none).</param>
    /// <param name="classifier">The output layer: logits over the classes.</param>
    /// <param name="targets">[batch] class indices (int64) in [0, classes).</param>
    public static Tensor CrossEntropy(Lmu layer, Tensor features, FastDropout? memoryDropout, Linear dense, FastDropout? dropout, Linear classifier, Tensor targets)
    {
        if (!Fused(layer, features, dense, classifier))
            return nn.functional.cross_entropy(DenseHead.Forward(layer.ForwardPrecomputed(features).Output, memoryDropout, dense, dropout, classifier), targets);
        LmuChecks.Features(features, FinalMemoryWindows.Width(layer.Options), layer.Cell.ParameterType);
        using var y = Targets(targets, features.size(0), classifier.weight!.size(0));
        var o = layer.Options;
        long rows = features.size(0);
        using var contiguous = features.contiguous();
        using var windows = contiguous.view(rows, o.InputSize + 1, o.Order);
        using var masks = DropoutMasks.Draw(layer.Cell, rows, features.dtype, features.device);
        using var memoryMask = memoryDropout?.TrainingMask([rows, o.MemorySize], features.dtype);
        using var hiddenMask = dropout?.TrainingMask([rows, dense.weight!.size(0)], features.dtype);
        var (encoderWeight, encoderBias) = layer.Cell.InputEncoder;
        return LmuClassifierLossFunction.apply(windows, encoderWeight, encoderBias, masks.InputMask, memoryMask,
            dense.weight!, dense.bias, hiddenMask, classifier.weight, classifier.bias, y);
    }

    static bool Fused(Lmu layer, Tensor features, Linear dense, Linear classifier)
    {
        var dtype = features.dtype;
        return layer.CanPrecomputeInput && layer.Options.Hidden == HiddenCell.None
            && is_grad_enabled() && features.device_type == TorchSharp.DeviceType.CPU
            && dtype is ScalarType.Float32 or ScalarType.Float64
            && dense.weight!.dtype == dtype && classifier.weight!.dtype == dtype
            && (layer.Cell.InputEncoder.Weight.requires_grad || dense.weight.requires_grad || classifier.weight.requires_grad);
    }

    /// <summary>
    /// The targets, contiguous, as the fused kernel reads them; refused by name when they are not class indices of the
    /// batch (libtorch's own check fails deep inside its kernel).
    /// </summary>
    internal static unsafe Tensor Targets(Tensor targets, long rows, long classes)
    {
        if (targets.dtype != ScalarType.Int64 || targets.dim() != 1 || targets.size(0) != rows || targets.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"targets must be int64 class indices of shape [{rows}] on the CPU, got {targets.dtype} [{string.Join(", ", targets.shape)}] on {targets.device}.", nameof(targets));
        var y = targets.contiguous();
        foreach (long value in new ReadOnlySpan<long>(Recurrence.TensorMemory.Pointer<long>(y), (int)rows))
            if (value < 0 || value >= classes)
            {
                y.Dispose();
                throw new ArgumentException($"targets must lie in [0, {classes}) (the classifier's outputs), got {value}.", nameof(targets));
            }
        return y;
    }
}
