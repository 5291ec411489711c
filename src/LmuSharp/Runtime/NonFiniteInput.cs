namespace LmuSharp.Runtime;

/// <summary>
/// What <see cref="LmuBatch.Step"/> and <see cref="LmuStream.Step"/> do with an input that is NaN or ±∞.
/// A linear recurrent memory keeps every input it has seen, so one such sample, let through, turns the
/// state and every later output into NaN until the stream is reset.
/// </summary>
public enum NonFiniteInput
{
    /// <summary>
    /// The default: the call throws an <see cref="ArgumentException"/> naming the stream and input index,
    /// before any stream advances, so every state is as it was before the call.
    /// </summary>
    Throw,

    /// <summary>Such an input is read as 0 (a dropped sample) and the streams advance; for always-on listeners.</summary>
    Zero,

    /// <summary>Inputs are not checked (no cost per step); a non-finite input poisons its stream's state until <c>Reset</c>.</summary>
    Propagate,
}
