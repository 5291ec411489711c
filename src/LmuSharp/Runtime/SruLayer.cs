using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// One direction of one SRU layer (Lei et al. 2018): [x̃; f̂; r̂] = W x_t + b, f = σ(f̂), r = σ(r̂),
/// c_t = f ⊙ c_{t−1} + (1 − f) ⊙ x̃, h_t = r ⊙ tanh(c_t) + (1 − r) ⊙ s_t with s_t = x_t, or W_s x_t when the sizes differ.
/// </summary>
internal sealed class SruLayer : Layer
{
    readonly Linear _gates;
    readonly Linear? _skip;
    readonly int _hidden;

    public SruLayer(WeightReader r)
    {
        int inputs = r.Int("input_size");
        _hidden = r.Int("hidden_size");
        _gates = new Linear(r.Tensor("gates.weight", 3 * _hidden, inputs), r.Tensor("gates.bias", 3 * _hidden), 3 * _hidden, inputs);
        if (inputs != _hidden) _skip = new Linear(r.Tensor("skip.weight", _hidden, inputs), null, _hidden, inputs);
    }

    public override int InputSize => _gates.InputSize;
    public override int OutputSize => _hidden;
    public override int[] StateSizes => [_hidden];
    public override int[] ScratchSizes => [3 * _hidden, _gates.ScratchSize, _skip is null ? 0 : _hidden, _skip?.ScratchSize ?? 0];
    public override string ToString() => $"sru {InputSize}→{OutputSize}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        var g = scratch[0].AsSpan(0, batch * 3 * _hidden);
        _gates.Apply(x, batch, g, scratch[1]);
        ReadOnlySpan<float> s = x;
        if (_skip is not null)
        {
            _skip.Apply(x, batch, scratch[2], scratch[3]);
            s = scratch[2];
        }
        for (int b = 0; b < batch; b++) // per stream, so a stream's rounding does not depend on the batch
        {
            var gb = g.Slice(b * 3 * _hidden, 3 * _hidden);
            Span<float> candidate = gb[.._hidden], f = gb.Slice(_hidden, _hidden), r = gb[(2 * _hidden)..];
            var c = state[0].AsSpan(b * _hidden, _hidden);
            var h = y.Slice(b * _hidden, _hidden);
            TensorPrimitives.Sigmoid(f, f);
            TensorPrimitives.Sigmoid(r, r);
            ForgetGate.Pool(c, f, candidate);
            TensorPrimitives.Tanh(c, h);
            var sb = s.Slice(b * _hidden, _hidden);
            TensorPrimitives.Subtract(h, sb, h);         // tanh(c) − s
            TensorPrimitives.MultiplyAdd(r, h, sb, h);   // s + r ⊙ (tanh(c) − s)
        }
    }
}

/// <summary>The pooling SRU and QRNN share (fo-pooling).</summary>
internal static class ForgetGate
{
    /// <summary>c ← f ⊙ c + (1 − f) ⊙ z = z + f ⊙ (c − z).</summary>
    public static void Pool(Span<float> c, ReadOnlySpan<float> f, ReadOnlySpan<float> z)
    {
        TensorPrimitives.Subtract(c, z, c);
        TensorPrimitives.MultiplyAdd(f, c, z, c);
    }
}
