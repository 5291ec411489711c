using System.Globalization;
using CsvHelper;
using Parquet;
using Parquet.Serialization;

namespace LmuSharp.Cli.Data;

/// <summary>
/// A table read row by row from a CSV file (CsvHelper) or a Parquet file (Parquet.Net, a row group at a time),
/// so a file larger than memory can be streamed. Problems are <see cref="UserError"/>s naming the file, the
/// (1-based data) row and the column.
/// </summary>
sealed class TableReader
{
    TableReader(string path, IReadOnlyList<string> columns)
    {
        Path = path;
        Columns = columns;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The column names, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Opens a .csv or .parquet file and reads its header; an empty file or another extension is refused.</summary>
    public static TableReader Open(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: the file does not exist.");
        var columns = IsParquet(path) ? ParquetColumns(path) : CsvColumns(path);
        if (columns.Count == 0) throw new UserError($"{path}: the file is empty (no header row).");
        return new TableReader(path, columns);
    }

    static bool IsParquet(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" => true,
        ".csv" or ".txt" => false,
        var other => throw new UserError($"{path}: unknown table format '{other}'; give a .csv or .parquet file."),
    };

    /// <summary>The index of a column, or a <see cref="UserError"/> naming the option that asked for it and the columns there are.</summary>
    public int Column(string name, string option)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i] == name) return i;
        throw new UserError($"{Path}: {option} names column '{name}', which the file does not have (columns: {string.Join(", ", Columns)}).");
    }

    /// <summary>The rows in file order, each with its 1-based number among the data rows.</summary>
    public IEnumerable<TableRow> Rows() => IsParquet(Path) ? ParquetRows() : CsvRows();

    static CsvReaderOptions CsvOptions => new() { FormatProvider = CultureInfo.InvariantCulture };

    static IReadOnlyList<string> CsvColumns(string path)
    {
        if (new FileInfo(path).Length == 0) return [];
        using var csv = CsvReader.FromFile(path, CsvOptions);
        return csv.Headers.ToArray();
    }

    IEnumerable<TableRow> CsvRows()
    {
        using var csv = CsvReader.FromFile(Path, CsvOptions);
        while (csv.Read())
        {
            var cells = new object?[Columns.Count];
            for (int i = 0; i < Math.Min(csv.FieldCount, cells.Length); i++) cells[i] = csv.IsEmpty(i) ? null : csv.GetString(i);
            yield return new TableRow(this, csv.RowNumber, cells);
        }
    }

    static IReadOnlyList<string> ParquetColumns(string path) => Run(() => ParquetLayout(path), path).Columns;

    /// <summary>A Parquet file's column names and row-group count.</summary>
    static async Task<(string[] Columns, int Groups)> ParquetLayout(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        return (reader.Schema.GetDataFields().Select(f => f.Name).ToArray(), reader.RowGroupCount);
    }

    IEnumerable<TableRow> ParquetRows()
    {
        int groups = Run(() => ParquetLayout(Path), Path).Groups;
        long number = 0;
        for (int g = 0; g < groups; g++)
        {
            using var stream = File.OpenRead(Path);
            var result = Run(() => ParquetSerializer.DeserializeUntypedAsync(stream, null, g), Path);
            foreach (var row in result.Data)
            {
                var cells = Columns.Select(c => row.TryGetValue(c, out var v) ? v : null).ToArray();
                yield return new TableRow(this, ++number, cells);
            }
        }
    }

    static T Run<T>(Func<Task<T>> read, string path)
    {
        try { return read().GetAwaiter().GetResult(); }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or Parquet.ParquetException)
        {
            throw new UserError($"{path}: not a readable Parquet file ({e.Message.Split('\n')[0]}).");
        }
    }
}

/// <summary>One data row of a <see cref="TableReader"/>: cells as read (text from CSV, typed values from Parquet).</summary>
readonly struct TableRow(TableReader table, long number, object?[] cells)
{
    /// <summary>The 1-based data row (the header is not counted).</summary>
    public long Number => number;

    /// <summary>A cell as a number; a missing or non-numeric cell is a <see cref="UserError"/> naming file, row and column.</summary>
    public double Value(int column)
    {
        var cell = cells[column];
        double value = cell switch
        {
            null => throw Problem(column, "missing value"),
            string text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw Problem(column, $"'{text}' is not a number"),
            IConvertible c when cell is not DateTime and not bool => c.ToDouble(CultureInfo.InvariantCulture),
            _ => throw Problem(column, $"{cell} ({cell.GetType().Name}) is not a number"),
        };
        return double.IsFinite(value) ? value : throw Problem(column, $"{value} is not a finite number");
    }

    /// <summary>A cell as text (dates in ISO 8601), empty when missing.</summary>
    public string Text(int column) => cells[column] switch
    {
        null => "",
        DateTime d => d.ToString("s", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    UserError Problem(int column, string what) => new($"{table.Path}: row {number}, column '{table.Columns[column]}': {what}.");
}
