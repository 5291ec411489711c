using System.Globalization;
using CsvHelper;
using LmuSharp.Cli.Data;
using LmuSharp.IO;
using LmuSharp.Runtime;

namespace LmuSharp.Cli.Commands;

/// <summary>
/// `lmu predict &lt;model&gt; --file data.csv [-o out.csv]`: with a model from `lmu train series`, the forecasts for every
/// row that ends a full window, with the row's key; with a model from `lmu train sequences`, one row per sequence (its
/// id, the predicted label, the class probabilities). It streams: the file is read row by row (CSV) or row group by
/// row group (Parquet), each row steps the streaming runtime, and only a window (forecasts) or one model state
/// (sequences) is kept; so files larger than memory work. The output is written atomically.
/// </summary>
static class PredictCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A model.safetensors written by `lmu train series` or `lmu train sequences`." };
        var file = new Option<string>("--file") { Description = "Rows with the model's input columns (.csv or .parquet): in time order; for sequences, each sequence's rows together.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The CSV to write (default: stdout)." };
        var command = new Command("predict", "Forecast (series model) or classify each sequence (sequences model) of a CSV or Parquet file, streaming.") { model, file, output };
        command.SetAction(parse => Execute(parse.GetValue(model)!, parse.GetValue(file)!, parse.GetValue(output)));
        return command;
    }

    static int Execute(string modelPath, string file, string? output)
    {
        if (!File.Exists(modelPath)) throw new UserError($"model '{modelPath}' does not exist.");
        var model = LmuModel.Load(modelPath);
        bool classifies = model.Metadata.ContainsKey("classify.classes");
        if (!classifies && !model.Metadata.ContainsKey("forecast.window"))
            throw new UserError($"{modelPath} has no forecast.* or classify.* metadata: `lmu predict` takes a model.safetensors written by `lmu train series` or `lmu train sequences`.");
        var table = TableReader.Open(file);
        Action<CsvWriter> write;
        try { write = classifies ? Classifications(model, table) : Forecasts(model, table); }
        catch (InvalidDataException e) { throw new UserError($"{modelPath}: {e.Message}"); }
        if (output is null)
        {
            using var stdout = Console.OpenStandardOutput();
            Write(stdout, write);
        }
        else AtomicFile.Write(output, stream => Write(stream, write));
        return 0;
    }

    static void Write(Stream destination, Action<CsvWriter> write)
    {
        using var csv = CsvWriter.Create(destination, new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture, NewLine = "\n" }, leaveOpen: true);
        write(csv);
    }

    /// <summary>The header, then a line per row that ends a window: its key and the H forecasts.</summary>
    static Action<CsvWriter> Forecasts(LmuModel model, TableReader table)
    {
        var forecaster = new WindowForecaster(model);
        var columns = forecaster.Inputs.Names.Select(n => table.Column(n, "the model's input")).ToArray();
        string keyName = model.Metadata.GetValueOrDefault("forecast.key", "row");
        int key = keyName != "row" && table.Columns.Contains(keyName) ? table.Column(keyName, "the model's key") : -1;
        return csv =>
        {
            int features = columns.Length, window = forecaster.Window;
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
        };
    }

    /// <summary>
    /// The header, then a line per sequence (a run of rows with one id, in file order): its id, the most probable
    /// class and each class's probability. A sequence whose rows are not together is refused, naming the row.
    /// </summary>
    static Action<CsvWriter> Classifications(LmuModel model, TableReader table)
    {
        var classifier = new StreamingClassifier(model);
        var columns = classifier.Inputs.Names.Select(n => table.Column(n, "the model's input")).ToArray();
        string idName = model.Metadata.TryGetValue("classify.id", out var name) ? name : throw new InvalidDataException($"metadata 'classify.id' is missing: the model was not exported by `lmu train sequences`.");
        int id = table.Column(idName, "the model's id column");
        return csv =>
        {
            csv.WriteRecord([idName, model.Metadata.GetValueOrDefault("classify.label", "label"), .. classifier.Classes.Select(c => $"p({c})")]);
            var values = new float[columns.Length];
            var probabilities = new float[classifier.Classes.Count];
            var finished = new HashSet<string>(StringComparer.Ordinal);
            string? current = null;
            void Emit()
            {
                int best = classifier.Classify(probabilities);
                csv.WriteField(current);
                csv.WriteField(classifier.Classes[best]);
                foreach (float p in probabilities) csv.WriteField(p, "R");
                csv.EndRecord();
                finished.Add(current!);
            }
            foreach (var row in table.Rows())
            {
                string key = row.Text(id);
                if (key != current)
                {
                    if (current is not null) Emit();
                    if (finished.Contains(key))
                        throw new UserError($"{table.Path}: row {row.Number}, column '{idName}': sequence '{key}' continues after rows of other sequences; give each sequence's rows together, in order.");
                    current = key;
                    classifier.Reset();
                }
                for (int f = 0; f < columns.Length; f++) values[f] = (float)row.Value(columns[f]);
                classifier.Push(values);
            }
            if (current is not null) Emit();
        };
    }
}
