using TorchSharp;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.LayerChecks;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The Elman recurrence h_t = φ(a_t + W h_{t−1}) over a whole sequence whose input part a_t = W_ih x_t + b was
/// computed for all steps at once, differentiable in a, W and h0. This is the only sequential part of an RNN
/// (and of an LMU with a tanh RNN hidden cell and no feedback into its memory). Float32 CPU tensors run a fused
/// C# kernel, forward and backward over all steps in one call; other dtypes and devices step with tensor operations.
/// </summary>
public static class RnnRecurrence
{
    /// <summary>All states h_t = φ(a_t + W h_{t−1}), t = 1..T, from h_0 = <paramref name="h0"/>.</summary>
    /// <param name="input">a, [batch, time, hidden], float32 or float64, on any device.</param>
    /// <param name="weight">W (TorchSharp's <c>RNNCell.weight_hh</c>), [hidden, hidden], same dtype and device.</param>
    /// <param name="h0">Initial state [batch, hidden]; zero when null.</param>
    /// <param name="activation">φ: <see cref="Activation.Tanh"/> or <see cref="Activation.Relu"/>.</param>
    /// <returns>h [batch, time, hidden], contiguous.</returns>
    /// <exception cref="ArgumentException">A shape, dtype, device or the activation does not fit (the message names the argument and what was expected).</exception>
    public static Tensor apply(Tensor input, Tensor weight, Tensor? h0 = null, Activation activation = Activation.Tanh) =>
        apply(input, weight, h0, activation, ScanImplementation.Auto);

    /// <summary><see cref="apply(Tensor, Tensor, Tensor?, Activation)"/> with the implementation chosen (tests, benchmarks).</summary>
    internal static Tensor apply(Tensor input, Tensor weight, Tensor? h0, Activation activation, ScanImplementation implementation)
    {
        Validate(input, weight, h0, activation);
        bool kernel = implementation switch
        {
            ScanImplementation.TensorOps => false,
            ScanImplementation.Kernel when input.device_type != DeviceType.CPU || input.dtype != ScalarType.Float32 =>
                throw new ArgumentException($"The C# kernel needs float32 CPU tensors, got {input.dtype} on {input.device}.", nameof(implementation)),
            _ => input.device_type == DeviceType.CPU && input.dtype == ScalarType.Float32,
        };
        using var scope = NewDisposeScope();
        var h = kernel
            ? RnnRecurrenceFunction.apply(input.contiguous(), weight.contiguous(), h0?.contiguous()!, activation == Activation.Relu)
            : Steps(input, weight, h0, activation);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>The recurrence in tensor operations, one step at a time (any device; autograd records every step).</summary>
    static Tensor Steps(Tensor a, Tensor w, Tensor? h0, Activation activation)
    {
        var h = h0 ?? zeros(a.size(0), a.size(2), dtype: a.dtype, device: a.device);
        var states = new List<Tensor>((int)a.size(1));
        foreach (var at in a.unbind(1))
        {
            h = LmuCell.Activate(at.addmm(h, w.t()), activation);
            states.Add(h);
        }
        return states.Count == 0 ? empty_like(a) : stack(states, 1);
    }

    static void Validate(Tensor input, Tensor weight, Tensor? h0, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.dim() != 3 || input.size(2) < 1)
            throw new ArgumentException($"input must be [batch, time, hidden] with hidden ≥ 1, got shape {Shape(input)}.", nameof(input));
        if (input.dtype != ScalarType.Float32 && input.dtype != ScalarType.Float64)
            throw new ArgumentException($"input must be float32 or float64, got {input.dtype}.", nameof(input));
        if ((input.size(0) + 1) * (input.size(2) + 16) > int.MaxValue || input.size(1) * input.size(2) > int.MaxValue)
            throw new ArgumentException($"input's (batch + 1) × (hidden + 16) and time × hidden must each be below 2^31, got {Shape(input)}.", nameof(input));
        if (activation is not (Activation.Tanh or Activation.Relu))
            throw new ArgumentException($"activation must be Tanh or Relu, got {activation}.", nameof(activation));
        long hidden = input.size(2);
        SameKind(weight, input, nameof(weight), nameof(input));
        if (weight.dim() != 2 || weight.size(0) != hidden || weight.size(1) != hidden)
            throw new ArgumentException($"weight must be [hidden, hidden] = [{hidden}, {hidden}], got shape {Shape(weight)}.", nameof(weight));
        if (h0 is null) return;
        SameKind(h0, input, nameof(h0), nameof(input));
        if (h0.dim() != 2 || h0.size(0) != input.size(0) || h0.size(1) != hidden)
            throw new ArgumentException($"h0 must be [batch, hidden] = [{input.size(0)}, {hidden}], got shape {Shape(h0)}.", nameof(h0));
    }
}
