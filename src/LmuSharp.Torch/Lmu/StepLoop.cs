using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// Runs a step function over time, holding each sequence's output and state past its length, and collects the
/// outputs: the one loop of the sequential mode and of a recurrent hidden cell over a parallel memory.
/// </summary>
internal static class StepLoop
{
    /// <summary>
    /// (o_t, s_t) = step(t, s_{t−1}) for t &lt; <paramref name="time"/>, from <paramref name="initial"/>. With
    /// <paramref name="lengths"/>, o_t and s_t of a sequence hold their values at its last valid step.
    /// Returns every o_t stacked on dimension 1 (<paramref name="returnSequences"/>) or the last, and the final state.
    /// </summary>
    public static (Tensor Output, LmuState State) Run(int time, LmuState initial, Tensor? lengths, bool returnSequences,
        Func<int, LmuState, (Tensor Output, LmuState State)> step)
    {
        var len = lengths?.to(ScalarType.Int64, initial.Memory.device).view(-1, 1);
        var outputs = new List<Tensor>(time);
        var current = initial;
        for (int t = 0; t < time; t++)
        {
            var (o, next) = step(t, current);
            if (len is not null && t > 0) // every length is ≥ 1: step 0 is always valid
            {
                var valid = len.gt(t);
                o = where(valid, o, outputs[^1]);
                next = next.Where(valid, current);
            }
            outputs.Add(o);
            current = next;
        }
        return (returnSequences ? stack(outputs, 1) : outputs[^1], current);
    }
}
