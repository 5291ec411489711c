namespace LmuSharp.Cli.Benchmarks;

/// <summary>A numeric column: its JSON key, its header and its display format.</summary>
sealed record BenchColumn(string Key, string Header, string Format);

/// <summary>One measured configuration. <paramref name="Group"/> (e.g. a size) groups rows in the chart; null values print as "–".</summary>
sealed record BenchRow(string Group, string Label, IReadOnlyList<double?> Values);

/// <summary>A ratio the issues set a bar for (or simply report): its value and unit (× or %), the bar in words, and whether it was met (null: no bar, or --quick sizes the bar does not apply to).</summary>
sealed record BenchFinding(string Key, string Text, double Value, string Unit, string Bar, bool? Met);

/// <summary>The result of one `lmu bench` table, as printed, written to JSON and charted.</summary>
/// <param name="Name">The table's name on the command line (<c>--only</c>).</param>
/// <param name="Title">What is compared.</param>
/// <param name="Setup">The configuration measured, in words.</param>
/// <param name="Columns">The numeric columns of every row.</param>
/// <param name="Rows">The measurements.</param>
/// <param name="Findings">The ratios the table is for, each with its bar where it has one.</param>
/// <param name="ChartColumn">The key of the column drawn in the PNG chart.</param>
/// <param name="ChartLog">Draw the chart on a log₁₀ axis (values spanning orders of magnitude).</param>
sealed record BenchTable(string Name, string Title, string Setup, IReadOnlyList<BenchColumn> Columns, IReadOnlyList<BenchRow> Rows,
    IReadOnlyList<BenchFinding> Findings, string ChartColumn, bool ChartLog)
{
    /// <summary>The values of <paramref name="key"/> by row (null where a row has none).</summary>
    public double?[] Column(string key)
    {
        int index = Columns.Select(c => c.Key).ToList().IndexOf(key);
        if (index < 0) throw new InvalidOperationException($"Table {Name} has no column {key}.");
        return Rows.Select(r => r.Values[index]).ToArray();
    }
}
