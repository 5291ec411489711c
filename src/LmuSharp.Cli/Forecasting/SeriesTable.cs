using System.Globalization;
using LmuSharp.Cli.Data;

namespace LmuSharp.Cli.Forecasting;

/// <summary>
/// The numeric columns of a series file, the target first, row by row in time order, with each row's key:
/// its date when the file has a date column (named, or the first column whose values read as dates), else its
/// row number. Every problem is a <see cref="UserError"/> naming the file, row and column.
/// </summary>
sealed record SeriesTable(string Path, IReadOnlyList<string> Features, List<float[]> Rows, string KeyName)
{
    /// <summary>Reads the target and input columns of a .csv or .parquet file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="target">The column to forecast (also an input: its own past).</param>
    /// <param name="inputs">Further input columns.</param>
    /// <param name="dateColumn">The date column, or null to detect one.</param>
    public static SeriesTable Load(string path, string target, IReadOnlyList<string> inputs, string? dateColumn)
    {
        var table = TableReader.Open(path);
        var features = new[] { target }.Concat(inputs.Where(i => i != target)).Distinct().ToArray();
        var columns = features.Select((f, i) => table.Column(f, i == 0 ? "--target" : "--inputs")).ToArray();
        int? date = dateColumn is null ? null : table.Column(dateColumn, "--date");
        var rows = new List<float[]>();
        DateTime previous = DateTime.MinValue;
        foreach (var row in table.Rows())
        {
            date ??= DetectDate(table, row, columns);
            rows.Add(columns.Select(c => (float)row.Value(c)).ToArray());
            if (date is int d and >= 0)
            {
                string key = row.Text(d);
                if (!DateTime.TryParse(key, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when))
                    throw new UserError($"{path}: row {row.Number}, column '{table.Columns[d]}': '{key}' is not a date.");
                if (when <= previous)
                    throw new UserError($"{path}: row {row.Number}, column '{table.Columns[d]}': {key} does not come after the row before it; sort the file by date.");
                previous = when;
            }
        }
        return new SeriesTable(path, features, rows, date is int k and >= 0 ? table.Columns[k] : "row");
    }

    /// <summary>The first column, not a feature, whose first value reads as a date and not as a number; -1 when there is none.</summary>
    static int DetectDate(TableReader table, TableRow row, int[] features)
    {
        for (int c = 0; c < table.Columns.Count; c++)
        {
            if (features.Contains(c)) continue;
            string text = row.Text(c);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _)) return c;
        }
        return -1;
    }
}
