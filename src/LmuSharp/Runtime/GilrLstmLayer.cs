using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// GILR-LSTM (Martin &amp; Cundy 2018): a GILR layer h̃ feeds LSTM-style gates that see only h̃_{t−1} and x_t,
/// in PyTorch's gate order (i, f, g, o): [i; f; g; o] = W_h h̃_{t−1} + W_x x_t + b, i, f, o through σ, g through tanh;
/// h̃_t = GILR(x_t, h̃_{t−1});  c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ c_t.
/// </summary>
internal sealed class GilrLstmLayer : Layer
{
    readonly Gilr _gilr;
    readonly Linear _fromGilr, _fromInput;
    readonly int _hidden;

    public GilrLstmLayer(WeightReader r)
    {
        int inputs = r.Int("input_size");
        _hidden = r.Int("hidden_size");
        _gilr = new Gilr(r.Under("gilr."), inputs, _hidden);
        _fromGilr = new Linear(r.Tensor("gates.weight_h", 4 * _hidden, _hidden), r.Tensor("gates.bias", 4 * _hidden), 4 * _hidden, _hidden);
        _fromInput = new Linear(r.Tensor("gates.weight_x", 4 * _hidden, inputs), null, 4 * _hidden, inputs);
    }

    public override int InputSize => _gilr.InputSize;
    public override int OutputSize => _hidden;
    public override int[] StateSizes => [_hidden, _hidden]; // h̃, c
    public override int[] ScratchSizes => [4 * _hidden, _fromGilr.ScratchSize, _hidden, _hidden, _gilr.ScratchSize];
    public override string ToString() => $"gilr_lstm {InputSize}→{OutputSize}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        int n = _hidden;
        var gates = scratch[0].AsSpan(0, batch * 4 * n);
        _fromGilr.Apply(state[0], batch, gates, scratch[1]);                  // uses h̃_{t−1}
        _fromInput.Apply(x, batch, gates, scratch[1], accumulate: true);
        _gilr.Step(x, state[0], scratch[2], scratch[3], scratch[4], batch);    // h̃_t
        for (int b = 0; b < batch; b++)
        {
            var g = gates.Slice(b * 4 * n, 4 * n);
            var c = state[1].AsSpan(b * n, n);
            var h = y.Slice(b * n, n);
            TensorPrimitives.Sigmoid(g[..(2 * n)], g[..(2 * n)]);
            TensorPrimitives.Tanh(g.Slice(2 * n, n), g.Slice(2 * n, n));
            TensorPrimitives.Sigmoid(g.Slice(3 * n, n), g.Slice(3 * n, n));
            TensorPrimitives.Multiply(g.Slice(n, n), c, c);
            TensorPrimitives.MultiplyAdd(g[..n], g.Slice(2 * n, n), c, c);
            TensorPrimitives.Multiply(g.Slice(3 * n, n), c, h);
        }
    }
}
