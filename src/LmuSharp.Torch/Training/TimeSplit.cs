namespace LmuSharp.Torch.Training;

/// <summary>
/// Splits a series in time order: the first rows train, the next validate, the last test, so no split sees the
/// future of a later one.
/// </summary>
public static class TimeSplit
{
    /// <summary>The train, validation and test rows of a series of <paramref name="length"/> rows.</summary>
    /// <param name="length">Rows in the series.</param>
    /// <param name="validation">The fraction of rows for validation, in [0, 1).</param>
    /// <param name="test">The fraction of rows for testing, in [0, 1), with <paramref name="validation"/> below 1.</param>
    public static (RowRange Train, RowRange Validation, RowRange Test) Of(int length, double validation, double test)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "must be ≥ 0.");
        if (!(validation >= 0 && test >= 0 && validation + test < 1))
            throw new ArgumentException($"the validation ({validation}) and test ({test}) fractions must be ≥ 0 with a sum below 1.");
        int testRows = (int)Math.Round(length * test), validationRows = (int)Math.Round(length * validation);
        int trainEnd = length - testRows - validationRows;
        return (new RowRange(0, trainEnd), new RowRange(trainEnd, trainEnd + validationRows), new RowRange(trainEnd + validationRows, length));
    }
}
