using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// Inverted-dropout masks drawn once per sequence (the same mask at every step, as in Keras' LMU), so that the
/// sequential and parallel forms see identical inputs: <c>dropout</c> on x_t before the input encoder,
/// <c>recurrentDropout</c> on h_{t−1} and vec(M_{t−1}) before their encoders. None in evaluation mode.
/// </summary>
internal sealed class DropoutMasks : IDisposable
{
    Tensor? _input, _hidden, _memory;

    public static DropoutMasks Draw(LmuCell cell, long batch, ScalarType dtype, Device device)
    {
        var o = cell.Options;
        var masks = new DropoutMasks();
        if (!cell.training) return masks;
        if (o.Dropout > 0) masks._input = Mask(batch, o.InputSize, o.Dropout, dtype, device);
        if (o.RecurrentDropout > 0 && o.HiddenToMemory) masks._hidden = Mask(batch, o.HiddenSize, o.RecurrentDropout, dtype, device);
        if (o.RecurrentDropout > 0 && o.MemoryToMemory) masks._memory = Mask(batch, o.MemorySize, o.RecurrentDropout, dtype, device);
        return masks;
    }

    static Tensor Mask(long batch, long features, double rate, ScalarType dtype, Device device)
    {
        using var keep = full([batch, features], 1 - rate, dtype, device);
        return bernoulli(keep).div_(1 - rate).DetachFromDisposeScope();
    }

    public Tensor Input(Tensor x) => Apply(x, _input);
    /// <summary>The input mask [N, inputSize], or null (evaluation, no dropout).</summary>
    public Tensor? InputMask => _input;
    /// <summary>The input mask on per-channel rows [N, inputSize, d] (window sums of x, one row per input channel).</summary>
    public Tensor InputWindows(Tensor z) => _input is null ? z : z * _input.unsqueeze(2);
    public Tensor Hidden(Tensor h) => Apply(h, _hidden);
    public Tensor Memory(Tensor m) => Apply(m, _memory);

    static Tensor Apply(Tensor x, Tensor? mask) =>
        mask is null ? x : x.dim() == 3 ? x * mask.unsqueeze(1) : x * mask;

    public void Dispose()
    {
        _input?.Dispose();
        _hidden?.Dispose();
        _memory?.Dispose();
    }
}
