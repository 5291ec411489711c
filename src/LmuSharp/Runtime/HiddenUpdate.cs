using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// The hidden cell of an LMU cell layer, advancing h (and c) from its input z. Its state components
/// and scratch buffers sit in the layer's arrays from index <c>stateAt</c> / <c>scratchAt</c>; h is always first.
/// </summary>
internal abstract class HiddenUpdate
{
    public abstract string Kind { get; }
    public abstract int HiddenSize { get; }
    public abstract int[] StateSizes { get; }
    public abstract int[] ScratchSizes { get; }
    public abstract void Step(ReadOnlySpan<float> z, float[][] state, int stateAt, float[][] scratch, int scratchAt, int batch);

    public static HiddenUpdate Create(string kind, WeightReader r, int inputs, int hidden) => kind switch
    {
        "rnn" => new RnnCell(r, inputs, hidden, r.Activation("hidden_activation") is var a && a is Activation.Tanh or Activation.Relu ? a
                     : throw WeightReader.Invalid($"metadata '{r.Prefix}hidden_activation' must be tanh or relu for an rnn hidden cell")),
        "lstm" => new LstmCell(r, inputs, hidden),
        "gru" => new GruCell(r, inputs, hidden),
        _ => new LinearCell(r, inputs, hidden),
    };
}

/// <summary>Linear hidden cell (nn.Linear + activation): h_t = activation(W z_t + b); h is kept for hidden→memory feedback.</summary>
internal sealed class LinearCell(WeightReader r, int inputs, int hidden) : HiddenUpdate
{
    readonly Linear _linear = new(r.Tensor("hidden.weight", hidden, inputs), r.Tensor("hidden.bias", hidden), hidden, inputs);
    readonly Activation _activation = r.Activation("hidden_activation");

    public override string Kind => $"linear-{_activation.ToName()}";
    public override int HiddenSize => _linear.OutputSize;
    public override int[] StateSizes => [HiddenSize];
    public override int[] ScratchSizes => [_linear.ScratchSize];

    public override void Step(ReadOnlySpan<float> z, float[][] state, int stateAt, float[][] scratch, int scratchAt, int batch)
    {
        var h = state[stateAt].AsSpan(0, batch * HiddenSize);
        _linear.Apply(z, batch, h, scratch[scratchAt]);
        _activation.Apply(h, batch, HiddenSize);
    }
}

/// <summary>
/// A PyTorch-style gated cell: gate pre-activations gi = W_ih z + b_ih and gh = W_hh h + b_hh
/// (G·H rows each, in PyTorch's gate order), combined per stream by <see cref="Combine"/>.
/// </summary>
internal abstract class GatedCell : HiddenUpdate
{
    readonly Linear _inputGates, _hiddenGates;

    protected GatedCell(WeightReader r, int inputs, int hidden, int gates)
    {
        int rows = gates * hidden;
        _inputGates = new Linear(r.Tensor("hidden.weight_ih", rows, inputs), r.Tensor("hidden.bias_ih", rows), rows, inputs);
        _hiddenGates = new Linear(r.Tensor("hidden.weight_hh", rows, hidden), r.Tensor("hidden.bias_hh", rows), rows, hidden);
        HiddenSize = hidden;
    }

    public override int HiddenSize { get; }
    int GateSize => _inputGates.OutputSize;
    public override int[] ScratchSizes => [GateSize, GateSize, _inputGates.ScratchSize, HiddenSize];

    public override void Step(ReadOnlySpan<float> z, float[][] state, int stateAt, float[][] scratch, int scratchAt, int batch)
    {
        var gi = scratch[scratchAt].AsSpan(0, batch * GateSize);
        var gh = scratch[scratchAt + 1].AsSpan(0, batch * GateSize);
        var h = state[stateAt].AsSpan(0, batch * HiddenSize);
        _inputGates.Apply(z, batch, gi, scratch[scratchAt + 2]);
        _hiddenGates.Apply(h, batch, gh, scratch[scratchAt + 2]);
        var temporary = scratch[scratchAt + 3].AsSpan(0, HiddenSize);
        for (int b = 0; b < batch; b++)
        {
            var c = HasCellState ? state[stateAt + 1].AsSpan(b * HiddenSize, HiddenSize) : default;
            Combine(gi.Slice(b * GateSize, GateSize), gh.Slice(b * GateSize, GateSize), h.Slice(b * HiddenSize, HiddenSize), c, temporary);
        }
    }

    /// <summary>Whether a cell state c follows h (LSTM).</summary>
    protected virtual bool HasCellState => false;

    /// <summary>One stream: new h (and c) from the gate pre-activations gi, gh and the old h (and c).</summary>
    protected abstract void Combine(Span<float> gi, Span<float> gh, Span<float> h, Span<float> c, Span<float> temporary);
}

/// <summary>Elman cell (torch.nn.RNNCell): h_t = act(W_ih z + b_ih + W_hh h_{t−1} + b_hh).</summary>
internal sealed class RnnCell(WeightReader r, int inputs, int hidden, Activation activation) : GatedCell(r, inputs, hidden, 1)
{
    public override string Kind => $"rnn-{activation.ToName()}";
    public override int[] StateSizes => [HiddenSize];

    protected override void Combine(Span<float> gi, Span<float> gh, Span<float> h, Span<float> c, Span<float> temporary)
    {
        TensorPrimitives.Add(gi, gh, h);
        activation.Apply(h);
    }
}

/// <summary>
/// torch.nn.LSTMCell, gates (i, f, g, o): i, f, o = σ(·), g = tanh(·) of gi + gh;
/// c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ tanh(c_t).
/// </summary>
internal sealed class LstmCell(WeightReader r, int inputs, int hidden) : GatedCell(r, inputs, hidden, 4)
{
    public override string Kind => "lstm";
    protected override bool HasCellState => true;
    public override int[] StateSizes => [HiddenSize, HiddenSize];

    protected override void Combine(Span<float> gi, Span<float> gh, Span<float> h, Span<float> c, Span<float> temporary)
    {
        int n = HiddenSize;
        TensorPrimitives.Add(gi, gh, gi);
        TensorPrimitives.Sigmoid(gi[..(2 * n)], gi[..(2 * n)]);
        TensorPrimitives.Tanh(gi.Slice(2 * n, n), gi.Slice(2 * n, n));
        TensorPrimitives.Sigmoid(gi.Slice(3 * n, n), gi.Slice(3 * n, n));
        TensorPrimitives.Multiply(gi.Slice(n, n), c, c);
        TensorPrimitives.MultiplyAdd(gi[..n], gi.Slice(2 * n, n), c, c);
        TensorPrimitives.Tanh(c, temporary);
        TensorPrimitives.Multiply(gi.Slice(3 * n, n), temporary, h);
    }
}

/// <summary>
/// torch.nn.GRUCell, gates (r, z, n): r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n);
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1} = n + z ⊙ (h_{t−1} − n).
/// </summary>
internal sealed class GruCell(WeightReader r, int inputs, int hidden) : GatedCell(r, inputs, hidden, 3)
{
    public override string Kind => "gru";
    public override int[] StateSizes => [HiddenSize];

    protected override void Combine(Span<float> gi, Span<float> gh, Span<float> h, Span<float> c, Span<float> temporary)
    {
        int n = HiddenSize;
        var rz = gi[..(2 * n)];
        TensorPrimitives.Add(rz, gh[..(2 * n)], rz);
        TensorPrimitives.Sigmoid(rz, rz);
        var candidate = gi.Slice(2 * n, n);
        TensorPrimitives.MultiplyAdd(gi[..n], gh.Slice(2 * n, n), candidate, candidate);
        TensorPrimitives.Tanh(candidate, candidate);
        TensorPrimitives.Subtract(h, candidate, temporary);
        TensorPrimitives.MultiplyAdd(gi.Slice(n, n), temporary, candidate, h);
    }
}
