using System.Globalization;
using LmuSharp.Memory;
using LmuSharp.Runtime;
using LmuSharp.Serialization;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Gilr = LmuSharp.Torch.Recurrence.Gilr;
using Linear = TorchSharp.Modules.Linear;

namespace LmuSharp.Torch.Export;

/// <summary>
/// Exports a stack of trained LmuSharp.Torch layers to the LmuSharp model format (safetensors; see
/// docs/FORMAT.md), which <see cref="LmuModel"/> runs step by step with no TorchSharp, and
/// <see cref="ModelImport"/> loads back for fine-tuning. Layers are added input first:
/// <code>
/// new ModelExport(inputSize: 1).Add(lmuParallel).AddDense(classifier).Save("model.safetensors");
/// </code>
/// Besides the runtime's keys, each LMU layer records its full <see cref="LmuOptions"/> under
/// <c>layers.{i}.torch.*</c>, so the importer rebuilds the exact module.
/// </summary>
public sealed class ModelExport
{
    readonly Dictionary<string, string> _metadata = new();
    readonly Dictionary<string, SafeTensor> _tensors = new();
    int _layers;
    int _features;

    /// <summary>Starts an export for a model that reads <paramref name="inputSize"/> floats per step.</summary>
    /// <param name="inputSize">Features per input step (≥ 1).</param>
    public ModelExport(int inputSize)
    {
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "inputSize must be ≥ 1.");
        _features = InputSize = inputSize;
    }

    /// <summary>Features per input step of the whole model.</summary>
    public int InputSize { get; }

    /// <summary>
    /// Adds an LMU layer: as <c>parallel_lmu</c> when nothing feeds back into the memory and the hidden cell is None
    /// or Linear (the parallel LMU of Chilkuri &amp; Eliasmith 2021), else as <c>lmu_cell</c>. Both run as streams.
    /// </summary>
    /// <param name="layer">The trained layer; a bidirectional or backwards layer cannot run as a stream.</param>
    public ModelExport Add(Lmu layer)
    {
        var o = layer.Options;
        bool parallel = o.MemoryIsFeedForward && o.Hidden is HiddenCell.None or HiddenCell.Linear;
        return AddLmu(parallel ? "parallel_lmu" : "lmu_cell", layer.Cell);
    }

    /// <summary>Adds an LMU cell (exported as <c>lmu_cell</c>).</summary>
    /// <param name="cell">The trained cell.</param>
    public ModelExport Add(LmuCell cell) => AddLmu("lmu_cell", cell);

    /// <summary>Adds a GILR layer.</summary>
    /// <param name="layer">The trained layer.</param>
    public ModelExport Add(Gilr layer)
    {
        var p = Begin("gilr", layer.Options.InputSize, layer.Options.HiddenSize);
        Set(p + "hidden_size", layer.Options.HiddenSize);
        CopyStateDict(p, layer, name => name);
        return this;
    }

    /// <summary>Adds a GILR-LSTM layer (its gate blocks reordered to the format's i, f, g, o).</summary>
    /// <param name="layer">The trained layer.</param>
    public ModelExport Add(GilrLstm layer)
    {
        int h = layer.Options.HiddenSize;
        var p = Begin("gilr_lstm", layer.Options.InputSize, h);
        Set(p + "hidden_size", h);
        var state = layer.state_dict();
        foreach (var name in new[] { "gilr.gate.weight", "gilr.gate.bias", "gilr.candidate.weight", "gilr.candidate.bias" })
            Put(p + name, state[name]);
        // The module stacks its gates as (f, i, o, z); the format, like PyTorch's LSTM, as (i, f, g = z, o).
        using var order = torch.tensor(new long[] { 1, 0, 3, 2 });
        Tensor Reorder(Tensor t) => t.unflatten(0, [4, h]).index_select(0, order).flatten(0, 1);
        using (var scope = NewDisposeScope())
        {
            Put(p + "gates.weight_x", Reorder(state["input_gates.weight"]));
            Put(p + "gates.bias", Reorder(state["input_gates.bias"]));
            Put(p + "gates.weight_h", Reorder(state["gilr_gates.weight"]));
        }
        return this;
    }

    /// <summary>Adds an SRU stack, one <c>sru</c> layer per stacked layer (unidirectional only: a stream cannot read ahead).</summary>
    /// <param name="layer">The trained stack.</param>
    public ModelExport Add(Sru layer) => AddStack("sru", layer, layer.Options, _ => { });

    /// <summary>Adds a QRNN stack, one <c>qrnn</c> layer per stacked layer (unidirectional only: a stream cannot read ahead).</summary>
    /// <param name="layer">The trained stack.</param>
    public ModelExport Add(Qrnn layer) => AddStack("qrnn", layer, layer.Options, p => Set(p + "window", layer.Window));

    ModelExport AddStack(string type, nn.Module stack, StackOptions o, Action<string> extra)
    {
        if (o.Bidirectional) throw new ArgumentException($"a bidirectional {type} reads its sequence from both ends and cannot run as a stream.", nameof(stack));
        for (int layer = 0; layer < o.Layers; layer++)
        {
            var p = Begin(type, o.LayerInput(layer), o.HiddenSize);
            Set(p + "hidden_size", o.HiddenSize);
            extra(p);
            var prefix = $"layers.{layer}.";
            CopyStateDict(p, stack, name => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : null);
        }
        return this;
    }

    /// <summary>Adds a dense head y = act(W x + b).</summary>
    /// <param name="linear">The trained linear layer (a missing bias is exported as zeros).</param>
    /// <param name="activation">Its activation.</param>
    public ModelExport AddDense(Linear linear, Activation activation = Activation.Identity)
    {
        var weight = linear.weight!;
        int output = (int)weight.shape[0];
        var p = Begin("dense", (int)weight.shape[1], output);
        Set(p + "output_size", output);
        _metadata[p + "activation"] = activation.ToName();
        Put(p + "weight", weight);
        if (linear.bias is { } bias) Put(p + "bias", bias);
        else Zeros(p + "bias", output);
        return this;
    }

    /// <summary>The format's metadata so far (runtime keys and <c>layers.{i}.torch.*</c> options).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Complete();

    /// <summary>The export as a safetensors file in memory.</summary>
    /// <param name="extraMetadata">More string pairs for <c>__metadata__</c> (e.g. training information).</param>
    public SafeTensorsFile ToSafeTensors(IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(Complete());
        foreach (var (k, v) in extraMetadata ?? new Dictionary<string, string>())
            if (!metadata.TryAdd(k, v)) throw new ArgumentException($"extra metadata key '{k}' collides with a format key.", nameof(extraMetadata));
        return new SafeTensorsFile(_tensors, metadata);
    }

    /// <summary>Writes the export to <paramref name="path"/> atomically.</summary>
    /// <param name="path">The .safetensors file to write.</param>
    /// <param name="extraMetadata">More string pairs for <c>__metadata__</c>.</param>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null) => ToSafeTensors(extraMetadata).Write(path);

    ModelExport AddLmu(string type, LmuCell cell)
    {
        var o = cell.Options;
        if (o.GoBackwards) throw new ArgumentException("a layer with GoBackwards reads its sequence from the end and cannot run as a stream.", nameof(cell));
        if (type == "parallel_lmu" && o.Hidden is not (HiddenCell.Linear or HiddenCell.None))
            throw new ArgumentException($"a parallel LMU must have a None or Linear hidden cell, got {o.Hidden}.", nameof(cell));
        var p = Begin(type, o.InputSize, o.OutputSize);
        Set(p + "memory_d", o.MemoryD);
        Set(p + "order", o.Order);
        _metadata[p + "theta"] = cell.Theta.ToString("R", CultureInfo.InvariantCulture);
        _metadata[p + "discretizer"] = o.Discretizer.ToName();
        _metadata[p + "hidden_cell"] = o.Hidden.ToString().ToLowerInvariant();
        if (o.Hidden != HiddenCell.None)
        {
            Set(p + "hidden_size", o.HiddenSize);
            _metadata[p + "input_to_hidden"] = Bool(o.InputToHidden);
        }
        if (o.Hidden is HiddenCell.Linear or HiddenCell.Rnn) _metadata[p + "hidden_activation"] = o.HiddenActivation.ToName();
        if (type == "parallel_lmu") _metadata[p + "input_activation"] = "identity";
        else
        {
            _metadata[p + "hidden_to_memory"] = Bool(o.HiddenToMemory);
            _metadata[p + "memory_to_memory"] = Bool(o.MemoryToMemory);
            if (o.Hidden == HiddenCell.None) _metadata[p + "input_to_hidden"] = "false";
        }
        foreach (var (k, v) in o.ToNameValues()) _metadata[p + "torch." + k] = v;
        _metadata[p + "torch.theta"] = cell.Theta.ToString("R", CultureInfo.InvariantCulture); // the trained θ

        var (aBar, bBar) = cell.DiscreteMatrices();
        using (aBar) Put(p + "A_bar", aBar);
        using (bBar) Put(p + "B_bar", bBar);
        CopyStateDict(p, cell, name => name is "theta_inv" or "A" or "B" ? null : name);
        if (!o.UseBias) Zeros(p + "input_encoder.bias", o.MemoryD);
        return this;
    }

    string Begin(string type, int inputSize, int outputSize)
    {
        if (inputSize != _features)
            throw new ArgumentException($"layer {_layers} ({type}) reads {inputSize} features, but the previous layer gives {_features}.");
        var prefix = $"layers.{_layers}.";
        _metadata[prefix + "type"] = type;
        Set(prefix + "input_size", inputSize);
        _layers++;
        _features = outputSize;
        return prefix;
    }

    IReadOnlyDictionary<string, string> Complete()
    {
        if (_layers == 0) throw new InvalidOperationException("add at least one layer before exporting.");
        var all = new Dictionary<string, string>
        {
            ["format"] = LmuModel.FormatName,
            ["format_version"] = LmuModel.FormatVersion.ToString(CultureInfo.InvariantCulture),
            ["input_size"] = InputSize.ToString(CultureInfo.InvariantCulture),
            ["output_size"] = _features.ToString(CultureInfo.InvariantCulture),
            ["layers"] = _layers.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in _metadata) all[k] = v;
        return all;
    }

    void CopyStateDict(string prefix, nn.Module module, Func<string, string?> rename)
    {
        foreach (var (name, value) in module.state_dict())
            if (rename(name) is { } target) Put(prefix + target, value);
    }

    void Put(string name, Tensor value)
    {
        using var cpu = value.detach().to(ScalarType.Float32, CPU).contiguous();
        _tensors[name] = SafeTensor.FromSingles(cpu.data<float>().ToArray(), cpu.shape);
    }

    void Zeros(string name, int length) => _tensors[name] = SafeTensor.FromSingles(new float[length], length);

    void Set(string key, int value) => _metadata[key] = value.ToString(CultureInfo.InvariantCulture);

    static string Bool(bool value) => value ? "true" : "false";
}
