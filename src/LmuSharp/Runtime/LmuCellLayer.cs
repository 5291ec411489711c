using LmuSharp.Kernels;
namespace LmuSharp.Runtime;

/// <summary>
/// The general LMU cell (Voelker et al. 2019), per step:
/// u_t = W_x x_t [+ W_h h_{t−1}] [+ W_m vec(M_{t−1})] + b;  M_t = M_{t−1} Āᵀ + u_t B̄ᵀ;
/// h_t = hidden_cell([vec(M_t) (; x_t)], h_{t−1}), or the output is vec(M_t) when there is no hidden cell.
/// </summary>
internal sealed class LmuCellLayer : Layer
{
    readonly Linear _fromInput;
    readonly Linear? _fromHidden, _fromMemory;
    readonly MemoryStep _memory;
    readonly HiddenUpdate? _hidden;
    readonly bool _inputToHidden;
    readonly int _channels, _inputs;

    public static readonly string[] HiddenKinds = ["rnn", "lstm", "gru", "linear", "none"];

    public LmuCellLayer(WeightReader r)
    {
        _inputs = r.Int("input_size");
        _channels = r.Int("memory_d");
        int order = r.Int("order");
        _ = r.PositiveDouble("theta");
        _ = r.OneOf("discretizer", Memory.DiscretizerNames.All.ToArray());
        string kind = r.OneOf("hidden_cell", HiddenKinds);
        bool hiddenToMemory = r.Bool("hidden_to_memory"), memoryToMemory = r.Bool("memory_to_memory");
        _inputToHidden = r.Bool("input_to_hidden");
        if (kind == "none" && (hiddenToMemory || _inputToHidden))
            throw WeightReader.Invalid($"layer '{r.Prefix}' has no hidden cell, so hidden_to_memory and input_to_hidden must be false");
        int hidden = kind == "none" ? 0 : r.Int("hidden_size");
        _fromInput = new Linear(r.Tensor("input_encoder.weight", _channels, _inputs), r.Tensor("input_encoder.bias", _channels), _channels, _inputs);
        if (hiddenToMemory) _fromHidden = new Linear(r.Tensor("hidden_encoder.weight", _channels, hidden), null, _channels, hidden);
        if (memoryToMemory) _fromMemory = new Linear(r.Tensor("memory_encoder.weight", _channels, _channels * order), null, _channels, _channels * order);
        _memory = new MemoryStep(r.Tensor("A_bar", order, order), r.Tensor("B_bar", order), order);
        if (kind != "none") _hidden = HiddenUpdate.Create(kind, r, _channels * order + (_inputToHidden ? _inputs : 0), hidden);
    }

    int MemoryFloats => _channels * _memory.Order;
    int HiddenInput => MemoryFloats + (_inputToHidden ? _inputs : 0);
    public override int InputSize => _inputs;
    public override int OutputSize => _hidden?.HiddenSize ?? MemoryFloats;
    public override int[] StateSizes => [MemoryFloats, .. _hidden?.StateSizes ?? []];
    public override int[] ScratchSizes =>
        [PackedGemm.Padded(_channels), _channels, _channels * _memory.ScratchSize, _inputToHidden ? HiddenInput : 0, .. _hidden?.ScratchSizes ?? []];

    public override string ToString() =>
        $"lmu_cell {_inputs}→{_channels}×{_memory.Order}→{OutputSize} {_hidden?.Kind ?? "none"}" +
        $"{(_fromHidden is null ? "" : " h→m")}{(_fromMemory is null ? "" : " m→m")}{(_inputToHidden ? " x→h" : "")}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        var m = state[0].AsSpan(0, batch * MemoryFloats);
        var u = scratch[1].AsSpan(0, batch * _channels);
        _fromInput.Apply(x, batch, u, scratch[0]);
        _fromHidden?.Apply(state[1], batch, u, scratch[0], accumulate: true);
        _fromMemory?.Apply(m, batch, u, scratch[0], accumulate: true);
        _memory.Step(m, u, batch * _channels, scratch[2]);
        if (_hidden is null) { m.CopyTo(y); return; }
        ReadOnlySpan<float> z = m;
        if (_inputToHidden)
        {
            var joined = scratch[3].AsSpan(0, batch * HiddenInput);
            ParallelLmuLayer.Concatenate(m, MemoryFloats, x, _inputs, joined, batch);
            z = joined;
        }
        _hidden.Step(z, state, 1, scratch, 4, batch);
        state[1].AsSpan(0, batch * OutputSize).CopyTo(y);
    }
}
