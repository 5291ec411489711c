using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// Gated impulse linear recurrence (Martin &amp; Cundy 2018): g_t = σ(W_g x_t + b_g), i_t = tanh(W_i x_t + b_i),
/// h_t = g_t ⊙ h_{t−1} + (1 − g_t) ⊙ i_t = i_t + g_t ⊙ (h_{t−1} − i_t).
/// </summary>
internal sealed class GilrLayer : Layer
{
    readonly Gilr _gilr;

    public GilrLayer(WeightReader r) => _gilr = new Gilr(r, r.Int("input_size"), r.Int("hidden_size"));

    public override int InputSize => _gilr.InputSize;
    public override int OutputSize => _gilr.HiddenSize;
    public override int[] StateSizes => [OutputSize];
    public override int[] ScratchSizes => [OutputSize, OutputSize, _gilr.ScratchSize];
    public override string ToString() => $"gilr {InputSize}→{OutputSize}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        _gilr.Step(x, state[0], scratch[0], scratch[1], scratch[2], batch);
        state[0].AsSpan(0, batch * OutputSize).CopyTo(y);
    }
}

/// <summary>The GILR recurrence itself, shared by <see cref="GilrLayer"/> and <see cref="GilrLstmLayer"/>.</summary>
internal sealed class Gilr(WeightReader r, int inputs, int hidden)
{
    readonly Linear _gate = new(r.Tensor("gate.weight", hidden, inputs), r.Tensor("gate.bias", hidden), hidden, inputs);
    readonly Linear _candidate = new(r.Tensor("candidate.weight", hidden, inputs), r.Tensor("candidate.bias", hidden), hidden, inputs);

    public int InputSize => inputs;
    public int HiddenSize => hidden;
    public int ScratchSize => _gate.ScratchSize;

    /// <summary>h ← g ⊙ h + (1 − g) ⊙ i for <paramref name="batch"/> streams; g, i, scratch are per-stream buffers.</summary>
    public void Step(ReadOnlySpan<float> x, Span<float> h, Span<float> g, Span<float> i, Span<float> scratch, int batch)
    {
        _gate.Apply(x, batch, g, scratch);
        _candidate.Apply(x, batch, i, scratch);
        for (int b = 0; b < batch; b++) // per stream, so a stream's rounding does not depend on the batch
        {
            var gb = g.Slice(b * hidden, hidden);
            var ib = i.Slice(b * hidden, hidden);
            var hb = h.Slice(b * hidden, hidden);
            TensorPrimitives.Sigmoid(gb, gb);
            TensorPrimitives.Tanh(ib, ib);
            TensorPrimitives.Subtract(hb, ib, hb);       // h − i
            TensorPrimitives.MultiplyAdd(gb, hb, ib, hb); // i + g ⊙ (h − i)
        }
    }
}
