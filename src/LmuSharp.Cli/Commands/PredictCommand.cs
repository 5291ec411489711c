using System.Globalization;
using CsvHelper;
using LmuSharp.Cli.Data;
using LmuSharp.IO;
using LmuSharp.Runtime;

namespace LmuSharp.Cli.Commands;

/// <summary>
/// `lmu predict &lt;model&gt; --file data.csv [-o out.csv]`: the forecasts of a model from `lmu train series` for
/// every row that ends a full window, with the row's key. It streams: the file is read row by row (CSV) or row
/// group by row group (Parquet), only the last W rows are kept, and each forecast runs through the streaming
/// runtime; so files larger than memory work. The output is written atomically.
/// </summary>
static class PredictCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A model.safetensors written by `lmu train series`." };
        var file = new Option<string>("--file") { Description = "Rows with the model's input columns (.csv or .parquet), in time order.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The CSV to write (default: stdout)." };
        var command = new Command("predict", "Forecast with a model from `lmu train series` over a CSV or Parquet file, streaming.") { model, file, output };
        command.SetAction(parse => Execute(parse.GetValue(model)!, parse.GetValue(file)!, parse.GetValue(output)));
        return command;
    }

    static int Execute(string modelPath, string file, string? output)
    {
        if (!File.Exists(modelPath)) throw new UserError($"model '{modelPath}' does not exist.");
        var model = LmuModel.Load(modelPath);
        var forecaster = new WindowForecaster(model);
        var table = TableReader.Open(file);
        var columns = forecaster.Inputs.Names.Select(n => table.Column(n, "the model's input")).ToArray();
        string keyName = model.Metadata.GetValueOrDefault("forecast.key", "row");
        int key = keyName != "row" && table.Columns.Contains(keyName) ? table.Column(keyName, "the model's key") : -1;
        if (output is null)
        {
            using var stdout = Console.OpenStandardOutput();
            Write(stdout, forecaster, table, columns, key, keyName);
        }
        else AtomicFile.Write(output, stream => Write(stream, forecaster, table, columns, key, keyName));
        return 0;
    }

    /// <summary>Writes the header, then a line per row that ends a window: its key and the H forecasts.</summary>
    static void Write(Stream destination, WindowForecaster forecaster, TableReader table, int[] columns, int key, string keyName)
    {
        int features = columns.Length, window = forecaster.Window;
        using var csv = CsvWriter.Create(destination, new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" }, leaveOpen: true);
        csv.WriteRecord([keyName, .. Enumerable.Range(1, forecaster.Horizon).SelectMany(h => forecaster.Targets.Names.Select(n => $"{n}+{h}"))]);
        var ring = new float[window * features]; // the last W rows, oldest first once full
        var values = new float[window * features];
        var forecast = new float[forecaster.Horizon * forecaster.Targets.Count];
        long seen = 0;
        foreach (var row in table.Rows())
        {
            int slot = (int)(seen % window);
            for (int f = 0; f < features; f++) ring[slot * features + f] = (float)row.Value(columns[f]);
            seen++;
            if (seen < window) continue;
            int oldest = (int)(seen % window);
            ring.AsSpan(oldest * features).CopyTo(values);
            ring.AsSpan(0, oldest * features).CopyTo(values.AsSpan((window - oldest) * features));
            forecaster.Forecast(values, forecast);
            csv.WriteField(key >= 0 ? row.Text(key) : row.Number.ToString(CultureInfo.InvariantCulture));
            foreach (float v in forecast) csv.WriteField(v, "R");
            csv.EndRecord();
        }
    }
}
