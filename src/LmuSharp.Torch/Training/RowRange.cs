namespace LmuSharp.Torch.Training;

/// <summary>The rows [<paramref name="Start"/>, <paramref name="End"/>) of a series.</summary>
/// <param name="Start">The first row.</param>
/// <param name="End">One past the last row.</param>
public readonly record struct RowRange(int Start, int End)
{
    /// <summary>The number of rows.</summary>
    public int Length => End - Start;
}
