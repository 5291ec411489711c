namespace LmuSharp.Runtime;

/// <summary>
/// One layer of a runtime model, stateless itself: per-stream state and scratch live in arrays the
/// caller owns (one array per component, streams consecutive), so one model serves many streams.
/// </summary>
internal abstract class Layer
{
    public abstract int InputSize { get; }
    public abstract int OutputSize { get; }

    /// <summary>Floats per stream of each state component (e.g. memory M, hidden h, cell c).</summary>
    public abstract int[] StateSizes { get; }

    /// <summary>Floats per stream of each scratch buffer.</summary>
    public abstract int[] ScratchSizes { get; }

    /// <summary>A one-line description (kind and sizes), also fingerprinting saved states.</summary>
    public abstract override string ToString();

    /// <summary>Advances <paramref name="batch"/> streams by one step: x is batch × InputSize, y batch × OutputSize.</summary>
    public abstract void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch);
}
