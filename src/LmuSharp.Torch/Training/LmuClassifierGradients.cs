using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// <see cref="LmuClassifierLoss"/> with its gradients computed directly (<see cref="IBatchGradients"/>): the parallel LMU
/// classifier's cross-entropy on precomputed windows, forward and backward in one call, without an autograd graph.
/// The activations, masks and gradients live in tensors kept from batch to batch, and the gradients are the parameters'
/// <c>grad</c>, so a training step allocates nothing and walks no graph: on the psMNIST model the autograd node spent
/// about as long in libtorch's autograd engine, allocator and gradient accumulation as in its three large matrix products.
/// The arithmetic is the node's (<see cref="LmuClassifierKernel"/>, <see cref="DenseHeadKernel"/>) and the dropout masks
/// are drawn in the same order, so both give the same loss and gradients:
/// <code>
/// M̃ = r_m ⊙ (W_x Z + b S),  h̃ = r₂ ⊙ relu(W₁ M̃ + b₁),  p = softmax(W₂ h̃ + b₂),  loss = −(1/N) Σ_n log p[n, y_n]
/// ∂z = (p − onehot(y)) / N  →  ∂W₂, ∂b₂, ∂W₁, ∂b₁ (<see cref="DenseHeadKernel"/>)  →  ∂M = r_m ⊙ ∂h W₁  →  ∂W_x, ∂b
/// </code>
/// CPU only (float32 or float64); <see cref="IsSupported"/> says when it applies.
/// </summary>
public sealed class LmuClassifierGradients : IBatchGradients
{
    readonly Lmu _layer;
    readonly FastDropout? _memoryDropout, _dropout;
    readonly Linear _dense, _classifier;
    Activations? _activations;
    readonly Dictionary<string, Tensor> _gradients = [];

    /// <summary>Computes the loss and gradients of the classifier made of these modules.</summary>
    /// <param name="layer">The LMU layer (<see cref="IsSupported"/>).</param>
    /// <param name="memoryDropout">Dropout on the layer's output (null: none).</param>
    /// <param name="dense">The dense layer (followed by ReLU).</param>
    /// <param name="dropout">Dropout on the dense layer's output (null: none).</param>
    /// <param name="classifier">The output layer: logits over the classes.</param>
    /// <exception cref="ArgumentException">The modules are not such a classifier on the CPU (<see cref="IsSupported"/> is false).</exception>
    public LmuClassifierGradients(Lmu layer, FastDropout? memoryDropout, Linear dense, FastDropout? dropout, Linear classifier)
    {
        if (!IsSupported(layer, dense, classifier))
            throw new ArgumentException("layer must be a precomputable LMU without a hidden cell whose only trained parameters are its input encoder's, " +
                "with dense and classifier of the layer's dtype (float32 or float64) on the CPU.", nameof(layer));
        (_layer, _memoryDropout, _dense, _dropout, _classifier) = (layer, memoryDropout, dense, dropout, classifier);
    }

    /// <summary>
    /// True when the layer's output is its memory at the last step, computed from precomputed windows
    /// (<see cref="Lmu.CanPrecomputeInput"/>, no hidden cell), its only trained parameters are the input encoder's, and the
    /// three modules' parameters are float32 or float64 of one dtype on the CPU.
    /// </summary>
    /// <param name="layer">The LMU layer.</param>
    /// <param name="dense">The dense layer.</param>
    /// <param name="classifier">The output layer.</param>
    public static bool IsSupported(Lmu layer, Linear dense, Linear classifier)
    {
        var (weight, bias) = layer.Cell.InputEncoder;
        var dtype = weight.dtype;
        bool onlyEncoder = layer.parameters().All(p => !p.requires_grad || p.Handle == weight.Handle || p.Handle == bias?.Handle);
        var all = layer.parameters().Concat(dense.parameters()).Concat(classifier.parameters());
        return layer.CanPrecomputeInput && layer.Options.Hidden == HiddenCell.None && onlyEncoder
            && dtype is ScalarType.Float32 or ScalarType.Float64
            && all.All(p => p.dtype == dtype && p.device_type == TorchSharp.DeviceType.CPU);
    }

    /// <summary>
    /// The mean cross-entropy on a batch of <see cref="Lmu.PrecomputeInput"/>'s rows, with ∂loss/∂p written into the
    /// <c>grad</c> of every trained parameter (replacing it). Draws the dropout masks of the modules in training mode.
    /// </summary>
    /// <param name="inputs">[batch, features] rows of the layer's <see cref="Lmu.PrecomputeInput"/> on the CPU.</param>
    /// <param name="targets">[batch] class indices (int64) in [0, classes).</param>
    public double Compute(Tensor inputs, Tensor targets)
    {
        var o = _layer.Options;
        LmuChecks.Features(inputs, FinalMemoryWindows.Width(o), _layer.Cell.ParameterType);
        if (inputs.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"inputs must be on the CPU, got {inputs.device}.", nameof(inputs));
        long rows = inputs.size(0);
        using var y = LmuClassifierLoss.Targets(targets, rows, _classifier.weight!.size(0));
        using var noGrad = no_grad();
        using var contiguous = inputs.contiguous();
        using var windows = contiguous.view(rows, o.InputSize + 1, o.Order);
        var a = ActivationsFor(rows, inputs.dtype);
        using var masks = DropoutMasks.Draw(_layer.Cell, rows, inputs.dtype, inputs.device); // in LmuClassifierLoss's order
        var memoryMask = Draw(_memoryDropout, a.MemoryMask);
        var hiddenMask = Draw(_dropout, a.HiddenMask);
        var (wx, bx) = _layer.Cell.InputEncoder;
        var (w1, b1, w2, b2) = (_dense.weight!, _dense.bias, _classifier.weight!, _classifier.bias);

        LmuClassifierKernel.Encode(windows, wx, bx, masks.InputMask, memoryMask, a.Memory);
        DenseHeadKernel.Forward(a.Memory, w1, b1, hiddenMask, w2, b2, a.Hidden, a.Logits);
        double loss = LmuClassifierKernel.SoftmaxCrossEntropy(a.Logits, y);
        LmuClassifierKernel.LogitGradient(a.Logits, y, 1, a.Logits); // the probabilities become ∂z in place

        bool encoderTrained = wx.requires_grad || bx?.requires_grad == true;
        DenseHeadKernel.Backward(a.Logits, a.Memory, a.Hidden, hiddenMask, w1, w2, a.HiddenGradient,
            new(encoderTrained ? a.MemoryGradient : null, Gradient("w1", w1)!, Gradient("b1", b1), Gradient("w2", w2)!, Gradient("b2", b2)));
        if (encoderTrained)
        {
            if (memoryMask is not null) DenseHeadKernel.MultiplyInPlace(a.MemoryGradient, memoryMask);
            LmuClassifierKernel.EncodeBackward(a.MemoryGradient, windows, masks.InputMask, Gradient("wx", wx)!, Gradient("bx", bx));
        }
        foreach (var (name, p) in new[] { ("wx", wx), ("bx", bx), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2) })
            if (p is not null && p.requires_grad && (name is not ("wx" or "bx") || encoderTrained)) p.grad = _gradients[name];
        return loss;
    }

    /// <summary>The mask of a dropout layer written into <paramref name="buffer"/>, or null when the layer passes its input unchanged.</summary>
    static Tensor? Draw(FastDropout? dropout, Tensor buffer)
    {
        if (dropout is not { IsActive: true }) return null;
        dropout.FillTrainingMask(buffer);
        return buffer;
    }

    /// <summary>The kept gradient tensor of a parameter (null for a missing bias), made again if the parameter's shape or dtype changed.</summary>
    Tensor? Gradient(string name, Tensor? parameter)
    {
        if (parameter is null) return null;
        if (_gradients.TryGetValue(name, out var kept) && kept.dtype == parameter.dtype && SameShape(kept, parameter)) return kept;
        kept?.Dispose();
        return _gradients[name] = zeros_like(parameter).DetachFromDisposeScope();
    }

    /// <summary>Whether two tensors have one shape, compared through <c>size(i)</c>: every <c>shape</c> read leaves TorchSharp an object to finalize.</summary>
    static bool SameShape(Tensor a, Tensor b)
    {
        if (a.dim() != b.dim()) return false;
        for (int i = 0; i < a.dim(); i++)
            if (a.size(i) != b.size(i)) return false;
        return true;
    }

    Activations ActivationsFor(long rows, ScalarType dtype)
    {
        if (_activations is { } kept && kept.Rows == rows && kept.DType == dtype) return kept;
        _activations?.Dispose();
        return _activations = new Activations(rows, _layer.Options.MemorySize, _dense.weight!.size(0), _classifier.weight!.size(0), dtype);
    }

    /// <summary>Frees the kept activations and gradient tensors (the parameters keep their <c>grad</c>).</summary>
    public void Dispose()
    {
        _activations?.Dispose();
        foreach (var g in _gradients.Values) g.Dispose();
        _gradients.Clear();
    }

    /// <summary>A batch's forward and backward tensors: M̃ and ∂M [N, K·d], h̃ and ∂h [N, H], z (then p, then ∂z) [N, Q], the masks.</summary>
    sealed class Activations : IDisposable
    {
        public Activations(long rows, long memory, long hidden, long classes, ScalarType dtype)
        {
            (Rows, DType) = (rows, dtype);
            Tensor Make(long width) => empty([rows, width], dtype).DetachFromDisposeScope();
            (Memory, MemoryGradient, MemoryMask) = (Make(memory), Make(memory), Make(memory));
            (Hidden, HiddenGradient, HiddenMask) = (Make(hidden), Make(hidden), Make(hidden));
            Logits = Make(classes);
        }

        public long Rows { get; }
        public ScalarType DType { get; }
        public Tensor Memory { get; }
        public Tensor MemoryGradient { get; }
        public Tensor MemoryMask { get; }
        public Tensor Hidden { get; }
        public Tensor HiddenGradient { get; }
        public Tensor HiddenMask { get; }
        public Tensor Logits { get; }

        public void Dispose()
        {
            foreach (var t in new[] { Memory, MemoryGradient, MemoryMask, Hidden, HiddenGradient, HiddenMask, Logits }) t.Dispose();
        }
    }
}
