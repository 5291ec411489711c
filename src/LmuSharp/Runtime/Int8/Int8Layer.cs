using System.Globalization;
using LmuSharp.Serialization;

namespace LmuSharp.Runtime;

/// <summary>A layer of the int8 path: parallel_lmu (u = W_u q(x) + b_u; m ← Ā m + B̄ u in float; h = act(W_h q(vec M) + b_h)) or dense.</summary>
internal sealed class Int8Layer
{
    readonly Int8Linear _input;           // the encoder, or the dense layer's product
    readonly Int8Linear? _hidden;         // parallel_lmu's hidden layer
    readonly MemoryStep? _memory;
    readonly Activation _activation;
    readonly byte[] _quantised;
    readonly float[] _u, _scratch;
    readonly int _channels, _order;

    Int8Layer(Int8Linear input, Int8Linear? hidden, MemoryStep? memory, int channels, int order, Activation activation)
    {
        _input = input;
        _hidden = hidden;
        _memory = memory;
        _channels = channels;
        _order = order;
        _activation = activation;
        _quantised = new byte[Math.Max(input.PaddedInput, hidden?.PaddedInput ?? 0)];
        _u = new float[input.OutputSize];
        _scratch = new float[channels * (memory?.ScratchSize ?? 0)];
    }

    public int OutputSize => (_hidden ?? _input).OutputSize;
    public int StateSize => _channels * _order;
    public long WeightBytes => _input.WeightBytes + (_hidden?.WeightBytes ?? 0);
    public long Macs => _input.WeightBytes + (_hidden?.WeightBytes ?? 0) + (long)_channels * _order * (_order + 1);

    public static Int8Layer Create(SafeTensorsFile file, string p)
    {
        var m = file.Metadata;
        string type = m[p + "type"];
        int inputs = Int(m, p + "input_size");
        switch (type)
        {
            case "parallel_lmu":
                if (m.GetValueOrDefault(p + "hidden_cell") != "linear" || m.GetValueOrDefault(p + "input_to_hidden") == "true")
                    throw new NotSupportedException($"the int8 path runs parallel_lmu layers with a linear hidden layer over the memory only; layer '{p.TrimEnd('.')}' is another kind.");
                int channels = Int(m, p + "memory_d"), order = Int(m, p + "order"), hidden = Int(m, p + "hidden_size");
                var encoder = new Int8Linear(p + "input_encoder.weight", T(file, p + "input_encoder.weight"), T(file, p + "input_encoder.bias"), channels, inputs,
                    Floats(m, p + "quant.input_encoder.weight_scales"), Float(m, p + "quant.input_scale"));
                var readout = new Int8Linear(p + "hidden.weight", T(file, p + "hidden.weight"), T(file, p + "hidden.bias"), hidden, channels * order,
                    Floats(m, p + "quant.hidden.weight_scales"), Float(m, p + "quant.memory_scale"));
                return new Int8Layer(encoder, readout, new MemoryStep(T(file, p + "A_bar"), T(file, p + "B_bar"), order), channels, order,
                    ActivationNames.Parse(m[p + "hidden_activation"]));
            case "dense":
                int outputs = Int(m, p + "output_size");
                return new Int8Layer(new Int8Linear(p + "weight", T(file, p + "weight"), T(file, p + "bias"), outputs, inputs,
                    Floats(m, p + "quant.weight_scales"), Float(m, p + "quant.input_scale")), null, null, 0, 0, ActivationNames.Parse(m[p + "activation"]));
            default:
                throw new NotSupportedException($"the int8 path runs parallel_lmu and dense layers; layer '{p.TrimEnd('.')}' is {type}.");
        }
    }

    public void Step(ReadOnlySpan<float> x, Span<float> y, float[] state)
    {
        _input.Quantise(x, _quantised);
        if (_hidden is null)
        {
            _input.Apply(_quantised, y);
            _activation.Apply(y[..OutputSize]);
            return;
        }
        _input.Apply(_quantised, _u);
        _memory!.Step(state, _u, _channels, _scratch);
        _hidden.Quantise(state, _quantised);
        _hidden.Apply(_quantised, y);
        _activation.Apply(y[..OutputSize]);
    }

    static float[] T(SafeTensorsFile file, string name) => file.Tensors.TryGetValue(name, out var t) ? t.ToSingles() : throw WeightReader.Invalid($"tensor '{name}' is missing");
    static int Int(IReadOnlyDictionary<string, string> m, string key) => int.Parse(Text(m, key), CultureInfo.InvariantCulture);
    static float Float(IReadOnlyDictionary<string, string> m, string key) => float.Parse(Text(m, key), CultureInfo.InvariantCulture);
    static float[] Floats(IReadOnlyDictionary<string, string> m, string key) => Text(m, key).Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    static string Text(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var v) ? v : throw WeightReader.Invalid($"int8 metadata '{key}' is missing");
}
