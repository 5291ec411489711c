using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>Argument checks shared by the recurrent layers; messages name the argument and the expected value.</summary>
internal static class LayerChecks
{
    public static int Positive(int value, string name) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1, got {value}.");

    /// <summary>input must be [batch, time, inputSize] (sequence) or [batch, inputSize] (one step).</summary>
    public static void Input(Tensor input, int inputSize, bool sequence, string name = "input")
    {
        ArgumentNullException.ThrowIfNull(input, name);
        var expected = sequence ? $"[batch, time, {inputSize}]" : $"[batch, {inputSize}]";
        if (input.dim() != (sequence ? 3 : 2) || input.size(-1) != inputSize)
            throw new ArgumentException($"{name} must be {expected}, got {Shape(input)}.", name);
    }

    /// <summary>A state tensor must be [batch, hiddenSize], with the input's dtype and device.</summary>
    public static void State(Tensor? state, Tensor input, int hiddenSize, string name)
    {
        if (state is null) return;
        if (state.dim() != 2 || state.size(0) != input.size(0) || state.size(1) != hiddenSize)
            throw new ArgumentException($"{name} must be [batch, hiddenSize] = [{input.size(0)}, {hiddenSize}], got {Shape(state)}.", name);
        if (state.dtype != input.dtype || state.device_type != input.device_type || state.device_index != input.device_index)
            throw new ArgumentException($"{name} must have the input's dtype and device ({input.dtype}, {input.device}), got {state.dtype}, {state.device}.", name);
    }

    /// <summary><paramref name="t"/> must have the dtype and device of <paramref name="reference"/> (named <paramref name="referenceName"/>).</summary>
    public static void SameKind(Tensor t, Tensor reference, string name, string referenceName)
    {
        if (t.dtype != reference.dtype)
            throw new ArgumentException($"{name} must have {referenceName}'s dtype {reference.dtype}, got {t.dtype}.", name);
        if (t.device_type != reference.device_type || t.device_index != reference.device_index)
            throw new ArgumentException($"{name} must be on {referenceName}'s device {reference.device}, got {t.device}.", name);
    }

    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
