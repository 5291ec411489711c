namespace LmuSharp.Torch;

/// <summary>How <see cref="Lmu"/> runs a sequence.</summary>
public enum LmuImplementation
{
    /// <summary>Parallel whenever the options allow it (no feedback into the memory, hidden cell None or Linear), else sequential.</summary>
    Auto,
    /// <summary>Always the whole-sequence parallel form (refused for options that feed back into the memory).</summary>
    Parallel,
    /// <summary>Always the step-by-step recurrence.</summary>
    Sequential,
}
