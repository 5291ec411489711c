using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// One direction of one QRNN layer with fo-pooling (Bradbury et al. 2017), window k: with w_t = [x_{t−k+1}; …; x_t],
/// [ẑ; f̂; ô] = W w_t + b, z = tanh(ẑ), f = σ(f̂), o = σ(ô), c_t = f ⊙ c_{t−1} + (1 − f) ⊙ z, h_t = o ⊙ c_t.
/// State: c, then the last k − 1 inputs (oldest first).
/// </summary>
internal sealed class QrnnLayer : Layer
{
    readonly Linear _gates;
    readonly int _inputs, _hidden, _window;

    public QrnnLayer(WeightReader r)
    {
        _inputs = r.Int("input_size");
        _hidden = r.Int("hidden_size");
        _window = r.Int("window");
        _gates = new Linear(r.Tensor("gates.weight", 3 * _hidden, _window * _inputs), r.Tensor("gates.bias", 3 * _hidden), 3 * _hidden, _window * _inputs);
    }

    public override int InputSize => _inputs;
    public override int OutputSize => _hidden;
    public override int[] StateSizes => [_hidden, (_window - 1) * _inputs];
    public override int[] ScratchSizes => [_window * _inputs, 3 * _hidden, _gates.ScratchSize];
    public override string ToString() => $"qrnn {InputSize}→{OutputSize} window {_window}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        int width = _window * _inputs, kept = width - _inputs;
        var windows = scratch[0].AsSpan(0, batch * width);
        for (int b = 0; b < batch; b++)
        {
            state[1].AsSpan(b * kept, kept).CopyTo(windows.Slice(b * width, kept));
            x.Slice(b * _inputs, _inputs).CopyTo(windows.Slice(b * width + kept, _inputs));
            windows.Slice(b * width + _inputs, kept).CopyTo(state[1].AsSpan(b * kept, kept)); // the newest k − 1 inputs
        }
        var g = scratch[1].AsSpan(0, batch * 3 * _hidden);
        _gates.Apply(windows, batch, g, scratch[2]);
        for (int b = 0; b < batch; b++)
        {
            var gb = g.Slice(b * 3 * _hidden, 3 * _hidden);
            Span<float> z = gb[.._hidden], f = gb.Slice(_hidden, _hidden), o = gb[(2 * _hidden)..];
            var c = state[0].AsSpan(b * _hidden, _hidden);
            TensorPrimitives.Tanh(z, z);
            TensorPrimitives.Sigmoid(f, f);
            TensorPrimitives.Sigmoid(o, o);
            ForgetGate.Pool(c, f, z);
            TensorPrimitives.Multiply(o, c, y.Slice(b * _hidden, _hidden));
        }
    }
}
