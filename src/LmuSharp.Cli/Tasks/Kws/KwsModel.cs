using System.Globalization;
using LmuSharp.Audio;
using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks.Kws;

/// <summary>The sizes of a keyword model: log-mel features in, two LMU layers of memoryD × order memory and a hidden layer, classes out.</summary>
sealed record KwsShape(int Features, int MemoryD, int Order, double Theta, int Hidden, int Classes)
{
    /// <summary>Trainable parameters: per layer W_u, b_u, W_h, b_h; then the head.</summary>
    public long Parameters => Layer(Features) + Layer(Hidden) + (long)Hidden * Classes + Classes;

    long Layer(int inputs) => (long)inputs * MemoryD + MemoryD + (long)MemoryD * Order * Hidden + Hidden;

    /// <summary>The largest hidden size whose model fits <paramref name="budget"/> parameters.</summary>
    public static int HiddenFor(int budget, KwsShape shape)
    {
        int hidden = 0;
        while (hidden < 4096 && (shape with { Hidden = hidden + 1 }).Parameters <= budget) hidden++;
        if (hidden < 4) throw new ArgumentException($"--params {budget} is too small: even a hidden size of 4 needs {(shape with { Hidden = 4 }).Parameters:N0} parameters.");
        return hidden;
    }
}

/// <summary>
/// The keyword spotter in the spirit of Blouw et al. 2020: log-mel frames, normalised per band, through two parallel
/// LMU layers (u = W_u x + b_u; M_t = Ā M_{t−1} + B̄ u_t per channel; h = ReLU(W_h vec(M_t) + b_h)), the second read
/// at the last frame, and a dense head to the 12 classes. In training the normalised frames are augmented (<see cref="KwsAugment"/>). The runtime runs the same layers frame by frame, never reset.
/// With int8 quantisation-aware training every matrix product sees fake-quantised int8 weights (per output channel)
/// and an 8-bit input (one running scale per activation), straight-through; the memory itself stays float.
/// </summary>
sealed class KwsModel : nn.Module<Tensor, Tensor>, IExportable, IExportMetadata
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Tensor feature_mean;
    readonly Tensor feature_scale;
    readonly Lmu lmu1;
    readonly Lmu lmu2;
    readonly Linear head;
    readonly ModuleList<ActivationQuant> quant;
    readonly KwsAugment augment;
#pragma warning restore IDE1006
    readonly Dictionary<long, (Tensor Toeplitz, Tensor Last)> _impulses = [];

    public KwsModel(KwsShape shape, bool quantize, LogMelOptions frontend) : base(nameof(KwsModel))
    {
        Shape = shape;
        Quantized = quantize;
        Frontend = frontend;
        feature_mean = torch.zeros(shape.Features);
        feature_scale = torch.ones(shape.Features);
        register_buffer("feature_mean", feature_mean);
        register_buffer("feature_scale", feature_scale);
        LmuOptions Layer(int inputs, bool sequences) => new(inputs, shape.Order, shape.Theta)
        {
            MemoryD = shape.MemoryD, UseBias = true, Hidden = HiddenCell.Linear, HiddenSize = shape.Hidden,
            HiddenActivation = Activation.Relu, ReturnSequences = sequences,
        };
        lmu1 = new Lmu(Layer(shape.Features, true));
        lmu2 = new Lmu(Layer(shape.Hidden, false));
        head = nn.Linear(shape.Hidden, shape.Classes);
        augment = new KwsAugment();
        // inputs of: layer 1's encoder, layer 1's hidden layer, layer 2's encoder, layer 2's hidden layer, the head
        quant = new ModuleList<ActivationQuant>([.. Enumerable.Range(0, 5).Select(i => new ActivationQuant($"q{i}"))]);
        RegisterComponents();
    }

    public KwsShape Shape { get; }
    public bool Quantized { get; }
    public LogMelOptions Frontend { get; }

    /// <summary>Sets the per-band normalisation x ↦ (x − mean) · scale.</summary>
    public void SetNormalisation(float[] mean, float[] scale)
    {
        using var _ = no_grad();
        feature_mean.copy_(torch.tensor(mean));
        feature_scale.copy_(torch.tensor(scale));
    }

    /// <summary>[batch, frames, features] raw log-mel → [batch, classes] logits at the last frame.</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = augment.forward((input - feature_mean) * feature_scale);
        var logits = Quantized ? QuantizedForward(x) : head.forward(lmu2.forward(lmu1.forward(x, null).Output, null).Output);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>The same layers written out with fake quantisation before every product; the memory as a causal Toeplitz product with H_k = Ā^k B̄.</summary>
    Tensor QuantizedForward(Tensor x)
    {
        long frames = x.shape[1];
        var (toeplitz, last) = Impulses(frames);
        var u1 = Product(quant[0].forward(x), lmu1.Cell, "input_encoder");                     // [B, T, m]
        var m1 = torch.einsum("tsi,bsc->btci", toeplitz, u1).flatten(2);                       // [B, T, m·d], vec(M) channel-major
        var h1 = Product(quant[1].forward(m1), lmu1.Cell, "hidden").relu();
        var u2 = Product(quant[2].forward(h1), lmu2.Cell, "input_encoder");
        var m2 = torch.einsum("si,bsc->bci", last, u2).flatten(1);                             // the last frame only
        var h2 = Product(quant[3].forward(m2), lmu2.Cell, "hidden").relu();
        return nn.functional.linear(quant[4].forward(h2), FakeQuant.Weight(head.weight!), head.bias);
    }

    static Tensor Product(Tensor x, LmuCell cell, string name) =>
        nn.functional.linear(x, FakeQuant.Weight(cell.get_parameter(name + ".weight")!), cell.get_parameter(name + ".bias"));

    /// <summary>K[t, s, :] = H_{t−s} (s ≤ t, else 0) and H reversed for the last frame, for T frames (Ā, B̄ are fixed).</summary>
    (Tensor Toeplitz, Tensor Last) Impulses(long frames)
    {
        if (_impulses.TryGetValue(frames, out var cached)) return cached;
        using var _ = no_grad();
        var (aBar, bBar) = lmu1.Cell.DiscreteMatrices();
        var h = new List<Tensor> { bBar.to(ScalarType.Float32) };
        for (int k = 1; k < frames; k++) h.Add(aBar.to(ScalarType.Float32).matmul(h[^1]));
        var impulse = torch.stack(h);                                                          // [T, d]
        var lag = torch.arange(frames).unsqueeze(1) - torch.arange(frames).unsqueeze(0);       // t − s
        var toeplitz = impulse.index(lag.clamp_min(0)) * lag.ge(0).unsqueeze(-1).to(ScalarType.Float32);
        var last = impulse.flip(0);                                                            // row s: H_{T−1−s}
        toeplitz.DetachFromDisposeScope();
        last.DetachFromDisposeScope();
        return _impulses[frames] = (toeplitz, last);
    }

    /// <summary>Both LMU layers and the head; for an int8 model with the fake-quantised weights (q·s), which the float runtime runs as they are.</summary>
    public ModelExport ToExport()
    {
        if (!Quantized) return new ModelExport(Shape.Features).Add(lmu1).Add(lmu2).AddDense(head);
        using var _ = no_grad();
        var copy1 = QuantizedCopy(lmu1);
        var copy2 = QuantizedCopy(lmu2);
        using var headCopy = nn.Linear(Shape.Hidden, Shape.Classes);
        headCopy.weight!.copy_(FakeQuant.Weight(head.weight!));
        headCopy.bias!.copy_(head.bias!);
        var export = new ModelExport(Shape.Features).Add(copy1).Add(copy2).AddDense(headCopy);
        copy1.Dispose();
        copy2.Dispose();
        return export;
    }

    static Lmu QuantizedCopy(Lmu layer)
    {
        var copy = new Lmu(layer.Options);
        copy.load_state_dict(layer.state_dict());
        foreach (var name in new[] { "input_encoder.weight", "hidden.weight" })
        {
            var weight = copy.Cell.get_parameter(name)!;
            weight.copy_(FakeQuant.Weight(weight));
        }
        return copy;
    }

    /// <summary>The keyword metadata (labels, frontend, normalisation) and, for int8, the scales (docs/FORMAT.md).</summary>
    public IReadOnlyDictionary<string, string> ExportMetadata()
    {
        var f = Frontend;
        var meta = new Dictionary<string, string>
        {
            ["kws.labels"] = string.Join(",", Data.Kws.SpeechCommands.Labels),
            ["kws.sample_rate"] = Text(f.SampleRate), ["kws.window"] = Text(f.WindowLength), ["kws.hop"] = Text(f.Hop),
            ["kws.fft"] = Text(f.FftSize), ["kws.bands"] = Text(f.Bands), ["kws.low_hz"] = Text(f.LowHz), ["kws.high_hz"] = Text(f.HighHz),
            ["kws.floor"] = Text(f.Floor), ["kws.feature_mean"] = List(feature_mean), ["kws.feature_scale"] = List(feature_scale),
        };
        if (!Quantized) return meta;
        meta["quantization"] = "int8";
        Lmu[] layers = [lmu1, lmu2];
        for (int i = 0; i < 2; i++)
        {
            var p = $"layers.{i}.quant.";
            meta[p + "input_scale"] = Text(quant[2 * i].Scale);
            meta[p + "memory_scale"] = Text(quant[2 * i + 1].Scale);
            meta[p + "input_encoder.weight_scales"] = Scales(layers[i].Cell.get_parameter("input_encoder.weight")!);
            meta[p + "hidden.weight_scales"] = Scales(layers[i].Cell.get_parameter("hidden.weight")!);
        }
        meta["layers.2.quant.input_scale"] = Text(quant[4].Scale);
        meta["layers.2.quant.weight_scales"] = Scales(head.weight!);
        return meta;
    }

    static string Scales(Tensor weight)
    {
        using var scales = FakeQuant.ChannelScales(weight);
        return List(scales);
    }

    static string List(Tensor t) => string.Join(",", t.detach().cpu().to(ScalarType.Float32).data<float>().ToArray().Select(Text));
    static string Text(float v) => v.ToString("R", CultureInfo.InvariantCulture);
    static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);
}
