namespace LmuSharp.Runtime;

/// <summary>
/// The parallel LMU (Chilkuri &amp; Eliasmith 2021) run recurrently, one step at a time:
/// u_t = f(W_u x_t + b_u);  m_t = Ā m_{t−1} + B̄ u_t per memory channel;
/// o_t = g(W_o [vec(M_t); x_t] + b_o) (x_t only if input_to_hidden), or o_t = vec(M_t) without a hidden layer.
/// </summary>
internal sealed class ParallelLmuLayer : Layer
{
    readonly Linear _input;
    readonly Activation _inputActivation;
    readonly MemoryStep _memory;
    readonly Linear? _output;
    readonly Activation _outputActivation;
    readonly bool _outputIncludesInput;
    readonly int _channels;

    public ParallelLmuLayer(WeightReader r)
    {
        int inputs = r.Int("input_size");
        _channels = r.Int("memory_d");
        int order = r.Int("order");
        _ = r.PositiveDouble("theta");
        _ = r.OneOf("discretizer", Memory.DiscretizerNames.All.ToArray());
        _input = new Linear(r.Tensor("input_encoder.weight", _channels, inputs), r.Tensor("input_encoder.bias", _channels), _channels, inputs);
        _inputActivation = r.Activation("input_activation");
        _memory = new MemoryStep(r.Tensor("A_bar", order, order), r.Tensor("B_bar", order), order);
        if (r.OneOf("hidden_cell", "linear", "none") == "linear")
        {
            _outputIncludesInput = r.Bool("input_to_hidden");
            int outputs = r.Int("hidden_size");
            int features = _channels * order + (_outputIncludesInput ? inputs : 0);
            _output = new Linear(r.Tensor("hidden.weight", outputs, features), r.Tensor("hidden.bias", outputs), outputs, features);
            _outputActivation = r.Activation("hidden_activation");
        }
    }

    int MemoryFloats => _channels * _memory.Order;
    public override int InputSize => _input.InputSize;
    public override int OutputSize => _output?.OutputSize ?? MemoryFloats;
    public override int[] StateSizes => [MemoryFloats];
    public override int[] ScratchSizes => [_input.ScratchSize, _channels, _channels * _memory.ScratchSize, _output?.InputSize ?? 0, _output?.ScratchSize ?? 0];

    public override string ToString() =>
        $"parallel_lmu {InputSize}→{_channels}×{_memory.Order}→{OutputSize} {_inputActivation.ToName()} " +
        (_output is null ? "no-output" : $"{_outputActivation.ToName()} {(_outputIncludesInput ? "with-input" : "memory-only")}");

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        var m = state[0].AsSpan(0, batch * MemoryFloats);
        var u = scratch[1].AsSpan(0, batch * _channels);
        _input.Apply(x, batch, u, scratch[0]);
        _inputActivation.Apply(u, batch, _channels);
        _memory.Step(m, u, batch * _channels, scratch[2]);
        if (_output is null) { m.CopyTo(y); return; }
        ReadOnlySpan<float> features = m;
        if (_outputIncludesInput)
        {
            var z = scratch[3].AsSpan(0, batch * _output.InputSize);
            Concatenate(m, MemoryFloats, x, InputSize, z, batch);
            features = z;
        }
        _output.Apply(features, batch, y, scratch[4]);
        _outputActivation.Apply(y, batch, OutputSize);
    }

    /// <summary>z[b] = [a[b]; c[b]] row by row.</summary>
    internal static void Concatenate(ReadOnlySpan<float> a, int aSize, ReadOnlySpan<float> c, int cSize, Span<float> z, int batch)
    {
        for (int b = 0; b < batch; b++)
        {
            a.Slice(b * aSize, aSize).CopyTo(z.Slice(b * (aSize + cSize)));
            c.Slice(b * cSize, cSize).CopyTo(z.Slice(b * (aSize + cSize) + aSize));
        }
    }
}
