using System.Globalization;
using LmuSharp.Serialization;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Export;

/// <summary>
/// Loads a model written by <see cref="ModelExport"/> back into TorchSharp modules, for fine-tuning:
/// an <see cref="ImportedModel"/> whose forward over [batch, time, inputSize] gives every step's output
/// [batch, time, outputSize], as the streaming runtime does.
/// </summary>
public static class ModelImport
{
    /// <summary>Reads <paramref name="path"/> and rebuilds its layers with their weights.</summary>
    /// <param name="path">A .safetensors file written by <see cref="ModelExport"/>.</param>
    /// <exception cref="InvalidDataException">The file is malformed, or lacks what the importer needs.</exception>
    public static ImportedModel Load(string path) => FromSafeTensors(SafeTensorsFile.Read(path));

    /// <summary>Rebuilds the layers of an exported model held in memory.</summary>
    /// <param name="file">The parsed file.</param>
    public static ImportedModel FromSafeTensors(SafeTensorsFile file)
    {
        var meta = file.Metadata;
        string Get(string key) => meta.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"model metadata lacks '{key}'.");
        int count = int.Parse(Get("layers"), CultureInfo.InvariantCulture);
        var layers = new List<(nn.Module, Activation)>();
        for (int i = 0; i < count; i++)
        {
            var p = $"layers.{i}.";
            Tensor T(string name) => file.Tensors.TryGetValue(p + name, out var t)
                ? torch.tensor(t.ToSingles(), t.Shape) : throw new InvalidDataException($"the file lacks tensor '{p + name}'.");
            layers.Add(Get(p + "type") switch
            {
                "parallel_lmu" or "lmu_cell" => (Lmu(meta, p, T), Activation.Identity),
                "gilr" => (Load(new Gilr(Int(Get(p + "input_size")), Int(Get(p + "hidden_size"))),
                    ["gate.weight", "gate.bias", "candidate.weight", "candidate.bias"], name => T(name)), Activation.Identity),
                "gilr_lstm" => (GilrLstm(Int(Get(p + "input_size")), Int(Get(p + "hidden_size")), T), Activation.Identity),
                "sru" => (Stack(new Sru(Int(Get(p + "input_size")), Int(Get(p + "hidden_size"))), T), Activation.Identity),
                "qrnn" => (Stack(new Qrnn(Int(Get(p + "input_size")), Int(Get(p + "hidden_size")), Int(Get(p + "window"))), T), Activation.Identity),
                "dense" => (Load(nn.Linear(Int(Get(p + "input_size")), Int(Get(p + "output_size"))), ["weight", "bias"], name => T(name)),
                    ActivationNames.Parse(Get(p + "activation"))),
                var type => throw new InvalidDataException($"layer {i} has type '{type}', which the importer cannot rebuild."),
            });
        }
        return new ImportedModel(layers);
    }

    static nn.Module Lmu(IReadOnlyDictionary<string, string> meta, string p, Func<string, Tensor> tensor)
    {
        var prefix = p + "torch.";
        var pairs = meta.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, string>(kv.Key[prefix.Length..], kv.Value)).ToList();
        if (pairs.Count == 0) throw new InvalidDataException($"{p.TrimEnd('.')} carries no '{prefix}*' options: it was not exported by LmuSharp.Torch, so its module cannot be rebuilt.");
        var options = LmuOptions.FromNameValues(pairs) with { ReturnSequences = true };
        if (options.TrainableAB) throw new InvalidDataException($"{p.TrimEnd('.')} trained A and B: only the discretised Ā, B̄ are stored, so it can be run but not rebuilt for fine-tuning.");
        var layer = new Lmu(options);
        var names = layer.state_dict().Keys.Where(k => k != "cell.theta_inv").ToList();
        Load(layer, names, name => tensor(name["cell.".Length..]), strict: false);
        if (options.TrainableTheta)
            using (no_grad()) layer.get_parameter("cell.theta_inv")!.fill_(1 / options.Theta);
        return layer;
    }

    static nn.Module GilrLstm(int inputSize, int hidden, Func<string, Tensor> tensor)
    {
        var layer = new GilrLstm(inputSize, hidden);
        // The format's gate blocks are (i, f, g, o); the module's (f, i, o, z): the same permutation undoes itself.
        using var order = torch.tensor(new long[] { 1, 0, 3, 2 });
        Tensor Reorder(Tensor t) => t.unflatten(0, [4, hidden]).index_select(0, order).flatten(0, 1);
        var weights = new Dictionary<string, Tensor>
        {
            ["input_gates.weight"] = Reorder(tensor("gates.weight_x")),
            ["input_gates.bias"] = Reorder(tensor("gates.bias")),
            ["gilr_gates.weight"] = Reorder(tensor("gates.weight_h")),
        };
        foreach (var name in new[] { "gilr.gate.weight", "gilr.gate.bias", "gilr.candidate.weight", "gilr.candidate.bias" }) weights[name] = tensor(name);
        layer.load_state_dict(weights);
        return layer;
    }

    /// <summary>A one-layer SRU or QRNN stack with the tensors of one format layer (the module's names under <c>layers.0.</c>).</summary>
    static nn.Module Stack(nn.Module stack, Func<string, Tensor> tensor) =>
        Load(stack, stack.state_dict().Keys.ToList(), name => tensor(name["layers.0.".Length..]));

    static T Load<T>(T module, IEnumerable<string> names, Func<string, Tensor> tensor, bool strict = true) where T : nn.Module
    {
        module.load_state_dict(names.ToDictionary(n => n, tensor), strict);
        return module;
    }

    static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}

/// <summary>A stack of imported layers run over whole sequences: [batch, time, in] → [batch, time, out].</summary>
public sealed class ImportedModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field name is the state_dict prefix
    readonly ModuleList<nn.Module> layers = new();
#pragma warning restore IDE1006
    readonly Activation[] _activations;

    internal ImportedModel(IReadOnlyList<(nn.Module Layer, Activation Activation)> stack) : base(nameof(ImportedModel))
    {
        foreach (var (layer, _) in stack) layers.Add(layer);
        _activations = stack.Select(s => s.Activation).ToArray();
        RegisterComponents();
    }

    /// <summary>The layers, input first (Lmu, Gilr, GilrLstm, Sru, Qrnn or Linear).</summary>
    public IReadOnlyList<nn.Module> Layers => [.. layers];

    /// <summary>Runs every layer over the sequence; dense layers apply their activation.</summary>
    /// <param name="input">x, [batch, time, inputSize].</param>
    public override Tensor forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < layers.Count; i++)
            x = layers[i] switch
            {
                Lmu lmu => lmu.forward(x, null).Output,
                Gilr gilr => gilr.forward(x, null).Output,
                GilrLstm lstm => lstm.forward(x, null).Output,
                Sru sru => sru.forward(x, null).Output,
                Qrnn qrnn => qrnn.forward(x, null).Output,
                Linear linear => LmuCell.Activate(linear.forward(x), _activations[i]),
                var other => throw new InvalidOperationException($"unexpected layer {other.GetType().Name}"),
            };
        return x;
    }
}
