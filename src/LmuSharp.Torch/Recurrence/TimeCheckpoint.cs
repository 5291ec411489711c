using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Gradient checkpointing over time for a recurrence whose work on a stretch of the sequence is one function
/// s_{k+1} = chunk(x[:, t_k : t_{k+1}], s_k): the forward pass runs the chunks in order without recording a graph
/// and keeps only the boundary states s_k; the backward pass reruns each chunk, last first, from its saved s_k
/// with autograd on and backpropagates ∂L/∂s_{k+1} through it alone (Chen et al. 2016, "Training deep nets with
/// sublinear memory cost", applied along time). Memory: the boundary states plus one chunk's activations instead
/// of the whole sequence's; cost: one more forward pass. The gradients are those of the chunks run in sequence:
/// the same operations, recomputed from the same values.
/// </summary>
public static class TimeCheckpoint
{
    /// <summary>
    /// The state after the last step of <paramref name="input"/>, differentiable in <paramref name="state"/>, in
    /// <paramref name="parameters"/> and (when it is a floating-point tensor that requires a gradient) in
    /// <paramref name="input"/>, with one chunk's activations alive at a time.
    /// </summary>
    /// <param name="chunk">
    /// (x[:, t_k : t_{k+1}], s_k) → s_{k+1}: the recurrence over one chunk, returning a new state with as many tensors
    /// as it was given (a tensor may be carried without being read, e.g. the last output). It must be a pure function
    /// of its arguments and <paramref name="parameters"/>: it is called again, on the same values, in the backward pass.
    /// </param>
    /// <param name="input">x [batch, time, …]: any dtype (e.g. integer tokens); split along time.</param>
    /// <param name="state">s_0: floating-point tensors.</param>
    /// <param name="parameters">Every trainable tensor <paramref name="chunk"/> reads besides its arguments (e.g. a module's parameters()).</param>
    /// <param name="chunkLength">Steps per chunk (≥ 1); the last chunk may be shorter.</param>
    /// <returns>s_T, one tensor per tensor of <paramref name="state"/>.</returns>
    public static Tensor[] apply(Func<Tensor, Tensor[], Tensor[]> chunk, Tensor input, Tensor[] state, IEnumerable<Tensor> parameters, long chunkLength)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(parameters);
        if (input.dim() < 2)
            throw new ArgumentException($"input must be [batch, time, …] (at least 2 dimensions), got {input.dim()}.", nameof(input));
        if (state.Length == 0 || state.Any(s => s is null || !s.is_floating_point()))
            throw new ArgumentException("state must be one or more floating-point tensors.", nameof(state));
        if (chunkLength < 1)
            throw new ArgumentOutOfRangeException(nameof(chunkLength), chunkLength, $"chunkLength must be ≥ 1 step, got {chunkLength}.");
        var trainable = parameters.Where(p => p.requires_grad).ToArray();
        object[] vars = [new TimeCheckpointFunction.Plan(chunk, chunkLength, state.Length, trainable.Length), input, .. state, .. trainable];
        return [.. TimeCheckpointFunction.apply(vars)];
    }
}
