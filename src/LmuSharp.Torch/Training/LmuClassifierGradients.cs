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
/// A batch runs in phases on two cores (<see cref="TwoLanes"/>), each lane half of every product's output: the rows of the
/// batch for the row-wise passes, half of the hidden units for W₁ M̃ and ∂W₁, half of the memory's features for ∂M, so that
/// each lane packs half of W₁ for its products. CPU only (float32 or float64);
/// <see cref="IsSupported"/> says when it applies.
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
    /// <remarks>
    /// When libtorch may use more than one thread (<c>torch.get_num_threads()</c>), the batch is computed on the two
    /// <see cref="TwoLanes"/> (two cores, however many libtorch may use), libtorch meanwhile on one thread per lane; with
    /// one, the same halves run one after the other. The numbers are the same either way.
    /// </remarks>
    public double Compute(Tensor inputs, Tensor targets)
    {
        int threads = get_num_threads();
        if (threads < 2) return Batch(inputs, targets, parallel: false);
        set_num_threads(1);
        try { return Batch(inputs, targets, parallel: true); }
        finally { set_num_threads(threads); }
    }

    double Batch(Tensor inputs, Tensor targets, bool parallel)
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
        var (memorySeed, hiddenSeed) = DrawSeeds(_memoryDropout is { IsActive: true }, _dropout is { IsActive: true });
        var (wx, bx) = _layer.Cell.InputEncoder;
        using var w1 = _dense.weight!.detach(); // detached: lane 1's products record nothing, whatever its thread's grad mode
        using var w2 = _classifier.weight!.detach();
        var (b1, b2) = (_dense.bias, _classifier.bias);
        bool encoderTrained = wx.requires_grad || bx?.requires_grad == true;
        var g = new Gradients(Gradient("w1", w1)!, Gradient("b1", b1), Gradient("w2", w2)!, Gradient("b2", b2),
            encoderTrained ? Gradient("wx", wx) : null, encoderTrained ? Gradient("bx", bx) : null);
        using var batch = new BatchRows(windows, masks.InputMask, y, a.Split);
        Tensor? memoryMask = memorySeed is null ? null : a.MemoryMask, hiddenMask = hiddenSeed is null ? null : a.HiddenMask;
        var loss = new double[2];

        RunLanes(parallel, lane => // the masks, one per lane
        {
            if (lane == 0 && memorySeed is { } ms) _memoryDropout!.FillTrainingMask(a.MemoryMask, ms);
            if (lane == 1 && hiddenSeed is { } hs) _dropout!.FillTrainingMask(a.HiddenMask, hs);
        });
        RunLanes(parallel, lane => // M̃ by rows
        {
            var (r, v) = (a.Rows[lane], batch.Rows[lane]);
            LmuClassifierKernel.Encode(v.Windows, wx, bx, v.InputMask, memoryMask is null ? null : r.MemoryMask, r.Memory);
        });
        RunLanes(parallel, lane => // W₁ M̃ by halves of the hidden units: each lane packs half of W₁
        {
            var (start, count) = a.HiddenSplit[lane];
            if (count == 0) return;
            using var w1Rows = w1.narrow(0, start, count);
            DenseHeadKernel.Product(a.HiddenColumns[lane], a.Memory, w1Rows, transposeB: true);
        });
        RunLanes(parallel, lane => // from h to ∂h row by row
        {
            var (r, v) = (a.Rows[lane], batch.Rows[lane]);
            if (r.Count == 0) return; // a batch of one row
            var r2 = hiddenMask is null ? null : r.HiddenMask;
            DenseHeadKernel.ReluMasked(r.Hidden, b1, r2);
            DenseHeadKernel.Product(r.Logits, r.Hidden, w2, transposeB: true);
            if (b2 is not null) DenseHeadKernel.AddRows(r.Logits, b2);
            double share = (double)r.Count / rows;
            loss[lane] = share * LmuClassifierKernel.SoftmaxCrossEntropy(r.Logits, v.Targets);
            LmuClassifierKernel.LogitGradient(r.Logits, v.Targets, share, r.Logits); // p becomes ∂z = (p − onehot(y)) / N in place
            DenseHeadKernel.Product(r.HiddenGradient, r.Logits, w2);
            DenseHeadKernel.ReluMaskedBackward(r.HiddenGradient, r.Hidden, r2);
        });
        RunLanes(parallel, lane => // sums over the batch: ∂W₁ by halves of its rows, ∂M by halves of its columns, the small ones on lane 0
        {
            var (start, count) = a.HiddenSplit[lane];
            if (count > 0)
                using (var dW1 = g.W1.narrow(0, start, count)) DenseHeadKernel.Product(dW1, a.HiddenGradientColumns[lane], a.Memory, transposeA: true);
            if (lane == 0)
            {
                DenseHeadKernel.Product(g.W2, a.Logits, a.Hidden, transposeA: true);
                if (g.B2 is not null) DenseHeadKernel.ColumnSums(a.Logits, g.B2);
                if (g.B1 is not null) DenseHeadKernel.ColumnSums(a.HiddenGradient, g.B1);
            }
            if (g.Wx is null) return;
            (start, count) = a.MemorySplit[lane];
            using var w1Columns = w1.narrow(1, start, count);
            DenseHeadKernel.Product(a.MemoryGradientColumns[lane], a.HiddenGradient, w1Columns);
        });
        if (g.Wx is not null)
            RunLanes(parallel, lane => // the encoder's terms by rows (a lane without rows writes zeros)
            {
                var (r, v) = (a.Rows[lane], batch.Rows[lane]);
                if (memoryMask is not null) DenseHeadKernel.MultiplyInPlace(r.MemoryGradient, r.MemoryMask);
                LmuClassifierKernel.EncodeBackward(r.MemoryGradient, v.Windows, v.InputMask, a.EncoderWeight[lane], g.Bx is null ? null : a.EncoderBias[lane]);
            });
        if (g.Wx is not null) DenseHeadKernel.Sum(a.EncoderWeight[0], a.EncoderWeight[1], g.Wx);
        if (g.Bx is not null) DenseHeadKernel.Sum(a.EncoderBias[0], a.EncoderBias[1], g.Bx);
        foreach (var (name, p) in new[] { ("wx", wx), ("bx", bx), ("w1", _dense.weight!), ("b1", b1), ("w2", _classifier.weight!), ("b2", b2) })
            if (p is not null && p.requires_grad && (name is not ("wx" or "bx") || encoderTrained)) p.grad = _gradients[name];
        return loss[0] + loss[1];
    }

    /// <summary>The seeds of the active masks, the memory's first as the node draws them, in one call (<see cref="FastDropout.DrawSeeds"/>).</summary>
    static (ulong? Memory, ulong? Hidden) DrawSeeds(bool memory, bool hidden)
    {
        Span<ulong> seeds = stackalloc ulong[2];
        int count = (memory ? 1 : 0) + (hidden ? 1 : 0);
        FastDropout.DrawSeeds(seeds[..count]);
        return (memory ? seeds[0] : null, hidden ? seeds[count - 1] : null);
    }

    /// <summary>Where a batch's gradients go (the kept tensors that become the parameters' <c>grad</c>); the encoder's null when it is frozen.</summary>
    readonly record struct Gradients(Tensor W1, Tensor? B1, Tensor W2, Tensor? B2, Tensor? Wx, Tensor? Bx);

    /// <summary>A phase on both lanes: at once (<see cref="TwoLanes.Run"/>) or lane 0, then lane 1, on this thread.</summary>
    static void RunLanes(bool parallel, Action<int> phase)
    {
        if (parallel)
        {
            TwoLanes.Run(phase);
            return;
        }
        phase(0);
        phase(1);
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
        if (_activations is { } kept && kept.Count == rows && kept.DType == dtype) return kept;
        _activations?.Dispose();
        var (wx, _) = _layer.Cell.InputEncoder;
        return _activations = new Activations(rows, _layer.Options.MemorySize, _dense.weight!.size(0), _classifier.weight!.size(0), wx.size(1), wx.size(0), dtype);
    }

    /// <summary>Frees the kept activations and gradient tensors (the parameters keep their <c>grad</c>).</summary>
    public void Dispose()
    {
        _activations?.Dispose();
        foreach (var g in _gradients.Values) g.Dispose();
        _gradients.Clear();
    }

    /// <summary>[0, n) in two halves, the first the larger by one when n is odd.</summary>
    static (long Start, long Count)[] Halves(long n) => [(0, (n + 1) / 2), ((n + 1) / 2, n / 2)];

    /// <summary>
    /// A batch's forward and backward tensors: M̃ and ∂M [N, K·d], h̃ and ∂h [N, H], z (then p, then ∂z) [N, Q], the masks;
    /// their halves by rows and by columns for the lanes, and each lane's share of the encoder's gradient.
    /// </summary>
    sealed class Activations : IDisposable
    {
        readonly List<Tensor> _owned = [];

        public Activations(long rows, long memory, long hidden, long classes, long inputs, long channels, ScalarType dtype)
        {
            (Count, DType, Split) = (rows, dtype, Halves(rows));
            (Memory, MemoryGradient, MemoryMask) = (Make([rows, memory]), Make([rows, memory]), Make([rows, memory]));
            (Hidden, HiddenGradient, HiddenMask) = (Make([rows, hidden]), Make([rows, hidden]), Make([rows, hidden]));
            Logits = Make([rows, classes]);
            EncoderWeight = [Make([channels, inputs]), Make([channels, inputs])];
            EncoderBias = [Make([channels]), Make([channels])];
            Rows = [.. Split.Select(h => new RowViews(h.Count, Part(Memory, h), Part(MemoryGradient, h), Part(MemoryMask, h), Part(Hidden, h),
                Part(HiddenGradient, h), Part(HiddenMask, h), Part(Logits, h)))];
            (HiddenSplit, MemorySplit) = (Halves(hidden), Halves(memory));
            HiddenColumns = [.. HiddenSplit.Select(h => Own(Hidden.narrow(1, h.Start, h.Count)))];
            HiddenGradientColumns = [.. HiddenSplit.Select(h => Own(HiddenGradient.narrow(1, h.Start, h.Count)))];
            MemoryGradientColumns = [.. MemorySplit.Select(h => Own(MemoryGradient.narrow(1, h.Start, h.Count)))];

            Tensor Make(long[] shape) => Own(empty(shape, dtype));
            Tensor Part(Tensor t, (long Start, long Count) h) => Own(t.narrow(0, h.Start, h.Count));
        }

        Tensor Own(Tensor t)
        {
            _owned.Add(t.DetachFromDisposeScope());
            return t;
        }

        public long Count { get; }
        public ScalarType DType { get; }
        /// <summary>The lanes' rows.</summary>
        public (long Start, long Count)[] Split { get; }
        public Tensor Memory { get; }
        public Tensor MemoryGradient { get; }
        public Tensor MemoryMask { get; }
        public Tensor Hidden { get; }
        public Tensor HiddenGradient { get; }
        public Tensor HiddenMask { get; }
        public Tensor Logits { get; }
        /// <summary>Each lane's ∂W_x [K, C] and ∂b [K] over its rows, summed after the lanes.</summary>
        public Tensor[] EncoderWeight { get; }
        public Tensor[] EncoderBias { get; }
        /// <summary>The tensors above, each lane's rows.</summary>
        public RowViews[] Rows { get; }
        /// <summary>The hidden units each lane takes (h's columns, ∂W₁'s rows), and those columns of h and ∂h.</summary>
        public (long Start, long Count)[] HiddenSplit { get; }
        public Tensor[] HiddenColumns { get; }
        public Tensor[] HiddenGradientColumns { get; }
        /// <summary>The memory's features each lane takes (∂M's columns), and those columns of ∂M.</summary>
        public (long Start, long Count)[] MemorySplit { get; }
        public Tensor[] MemoryGradientColumns { get; }

        public void Dispose()
        {
            foreach (var t in _owned) t.Dispose();
        }
    }

    /// <summary>One lane's rows of the kept tensors.</summary>
    sealed record RowViews(long Count, Tensor Memory, Tensor MemoryGradient, Tensor MemoryMask, Tensor Hidden, Tensor HiddenGradient,
        Tensor HiddenMask, Tensor Logits);

    /// <summary>One lane's rows of a batch's inputs: windows, input mask and targets.</summary>
    sealed record InputRows(Tensor Windows, Tensor? InputMask, Tensor Targets);

    /// <summary>A batch's inputs cut into the lanes' rows (views, freed with it).</summary>
    sealed class BatchRows(Tensor windows, Tensor? inputMask, Tensor targets, (long Start, long Count)[] split) : IDisposable
    {
        public InputRows[] Rows { get; } = [.. split.Select(h => new InputRows(windows.narrow(0, h.Start, h.Count),
            inputMask?.narrow(0, h.Start, h.Count), targets.narrow(0, h.Start, h.Count)))];

        public void Dispose()
        {
            foreach (var r in Rows)
            {
                r.Windows.Dispose();
                r.InputMask?.Dispose();
                r.Targets.Dispose();
            }
        }
    }
}
