namespace LmuSharp.Cli.Tasks;

/// <summary>
/// A task model whose recurrences can be slowed down (<see cref="LmuSharp.Torch.Recurrence.GilrLstm.rescale_time"/>):
/// warm-started by `lmu train --init` from a checkpoint trained on another sequence length, it is slowed by the ratio
/// of the lengths, so that it starts where it was on the shorter sequences.
/// </summary>
interface ITimeRescalable
{
    /// <summary>Slows every recurrence down by <paramref name="factor"/> (the new length over the old).</summary>
    void RescaleTime(double factor);
}
