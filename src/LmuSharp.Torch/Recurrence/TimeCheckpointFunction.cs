using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of <see cref="TimeCheckpoint.apply"/>. Arguments: a <see cref="Plan"/>, the input x, the
/// plan's StateCount state tensors s_0, then its ParameterCount parameters. Returns s_T. Saves x and the state at
/// the start of every chunk; backward reruns each chunk with autograd on, last chunk first.
/// </summary>
internal sealed class TimeCheckpointFunction : MultiTensorFunction<TimeCheckpointFunction>
{
    /// <summary>The non-tensor arguments: the chunk function, steps per chunk and how many state and parameter tensors follow x.</summary>
    public sealed record Plan(Func<Tensor, Tensor[], Tensor[]> Chunk, long ChunkLength, int StateCount, int ParameterCount);

    /// <inheritdoc/>
    public override string Name => nameof(TimeCheckpoint);

    /// <inheritdoc/>
    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var plan = (Plan)vars[0];
        var input = (Tensor)vars[1];
        var state = vars.Skip(2).Take(plan.StateCount).Cast<Tensor>().ToArray();
        var parameters = vars.Skip(2 + plan.StateCount).Cast<Tensor>().ToArray();
        long time = input.size(1);
        var starts = new List<Tensor>(); // s_k at the start of each chunk, flattened
        using (OneIntraOpThread())
            for (long t0 = 0; t0 < time; t0 += plan.ChunkLength)
            {
                starts.AddRange(state);
                state = Run(plan, input, t0, state);
            }
        if (time == 0) state = [.. state.Select(s => s.clone())]; // outputs must be new tensors
        ctx.save_for_backward([input, .. starts]);
        ctx.save_data("plan", plan);
        ctx.save_data("parameters", parameters);
        return [.. state];
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var plan = (Plan)ctx.get_data("plan");
        var parameters = (Tensor[])ctx.get_data("parameters");
        var saved = ctx.get_saved_variables(); // fresh handles, released below with gradOutputs
        try
        {
            using var scope = NewDisposeScope();
            var input = saved[0];
            long time = input.size(1);
            bool inputGrad = input.is_floating_point() && input.requires_grad;
            var gradInput = inputGrad ? zeros_like(input) : null;
            var gradParameters = new Tensor?[parameters.Length];
            int chunks = (int)((time + plan.ChunkLength - 1) / plan.ChunkLength);
            var gradState = gradOutputs.ToArray();
            using (OneIntraOpThread())
                for (int k = chunks - 1; k >= 0; k--)
                {
                    var start = saved.Skip(1 + k * plan.StateCount).Take(plan.StateCount).ToArray();
                    using var rerun = Recompute(plan, input, k * plan.ChunkLength, start, inputGrad);
                    var (gradPiece, gradStart) = Backpropagate(rerun, gradState, parameters, gradParameters);
                    gradInput?.narrow(1, k * plan.ChunkLength, gradPiece!.size(1)).copy_(gradPiece!);
                    gradState = gradStart;
                }
            var result = new List<Tensor> { null!, gradInput! };
            result.AddRange(gradState);
            result.AddRange(gradParameters.Select((g, i) => g ?? zeros_like(parameters[i])));
            foreach (var t in result) t?.MoveToOuterDisposeScope();
            return result;
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            foreach (var t in gradOutputs) t?.Dispose(); // handles TorchSharp made for this call
        }
    }

    /// <summary>
    /// libtorch's ops on one intra-op thread until disposed (the previous count restored): its OpenMP threads wait for each
    /// other at the end of every op, which on cores shared with other processes costs many times what it gains
    /// (docs/BENCHMARKS.md, "Problem 2b at a million steps").
    /// </summary>
    static IDisposable OneIntraOpThread()
    {
        int threads = get_num_threads();
        if (threads > 1) set_num_threads(1);
        return new Restore(threads);
    }

    sealed class Restore(int threads) : IDisposable
    {
        public void Dispose()
        {
            if (threads > 1) set_num_threads(threads);
        }
    }

    /// <summary>s_{k+1} = chunk(x[:, t0 : t0 + length], s_k), without a graph, only the new state kept.</summary>
    static Tensor[] Run(Plan plan, Tensor input, long t0, Tensor[] state)
    {
        using var scope = NewDisposeScope();
        var next = plan.Chunk(Piece(plan, input, t0), state);
        if (next.Length != plan.StateCount)
            throw new InvalidOperationException($"The chunk function returned {next.Length} state tensors for the {plan.StateCount} it was given.");
        foreach (var t in next) t.MoveToOuterDisposeScope();
        return next;
    }

    /// <summary>A chunk rerun with autograd on: its start-state leaves, its input piece (a leaf when x needs a gradient) and its end state.</summary>
    sealed record Recomputed(Tensor[] Leaves, Tensor Piece, Tensor[] End) : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in Leaves.Append(Piece).Concat(End)) t.Dispose();
        }
    }

    /// <summary>
    /// Reruns chunk k from s_k with autograd on: the chunk's intermediate tensors go with the scope here (the graph keeps
    /// what backward needs); the leaves, the piece and the end state are the caller's to dispose.
    /// </summary>
    static Recomputed Recompute(Plan plan, Tensor input, long t0, Tensor[] start, bool inputGrad)
    {
        using var scope = NewDisposeScope();
        var leaves = start.Select(s => s.detach().requires_grad_(true)).ToArray();
        var piece = Piece(plan, input, t0);
        if (inputGrad) piece = piece.detach().requires_grad_(true);
        Tensor[] end;
        using (enable_grad()) end = plan.Chunk(piece, leaves);
        foreach (var t in leaves.Append(piece).Concat(end)) t.MoveToOuterDisposeScope();
        return new Recomputed(leaves, piece, end);
    }

    /// <summary>
    /// Backpropagates ∂L/∂s_{k+1} through a rerun chunk: returns ∂L/∂x over the chunk (null when x needs none) and ∂L/∂s_k,
    /// and adds ∂L/∂θ into <paramref name="gradParameters"/>.
    /// </summary>
    static (Tensor? GradPiece, Tensor[] GradStart) Backpropagate(Recomputed chunk, Tensor[] gradEnd, Tensor[] parameters, Tensor?[] gradParameters)
    {
        using var scope = NewDisposeScope();
        var (leaves, piece, end) = (chunk.Leaves, chunk.Piece, chunk.End);
        bool inputGrad = piece.requires_grad;
        Tensor[] wrt = [.. leaves, .. (inputGrad ? [piece] : Array.Empty<Tensor>()), .. parameters];
        var live = Enumerable.Range(0, end.Length).Where(j => end[j].requires_grad).ToArray(); // a state carried without depending on anything trainable has no graph
        var grads = live.Length == 0 ? new Tensor?[wrt.Length]
            : grad([.. live.Select(j => end[j])], wrt, [.. live.Select(j => gradEnd[j])], allow_unused: true).ToArray<Tensor?>();
        Tensor? Valid(int i) => grads[i] is { IsInvalid: false } g ? g : null;
        var gradStart = leaves.Select((s, i) => (Valid(i) ?? zeros_like(s)).MoveToOuterDisposeScope()).ToArray();
        var gradPiece = inputGrad ? (Valid(leaves.Length) ?? zeros_like(piece)).MoveToOuterDisposeScope() : null;
        int offset = leaves.Length + (inputGrad ? 1 : 0);
        for (int i = 0; i < parameters.Length; i++)
        {
            if (Valid(offset + i) is not { } g) continue;
            if (gradParameters[i] is null) gradParameters[i] = g.MoveToOuterDisposeScope();
            else gradParameters[i]!.add_(g);
        }
        return (gradPiece, gradStart);
    }

    static Tensor Piece(Plan plan, Tensor input, long t0) => input.narrow(1, t0, Math.Min(plan.ChunkLength, input.size(1) - t0));
}
