using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LmuSharp.Cli.Forecasting;
using LmuSharp.Data;
using LmuSharp.Runtime;
using LmuSharp.Torch.Training;
using Parquet.Serialization;
using TorchSharp;

namespace LmuSharp.Cli.Tests;

public class SeriesCommandTests
{
    /// <summary>One row of the generated series: a date, a sum of two sines with noise, and an unrelated input.</summary>
    public sealed class Row
    {
        [JsonPropertyName("date")] public string Date { get; set; } = "";
        [JsonPropertyName("load")] public double Load { get; set; }
        [JsonPropertyName("temp")] public double Temp { get; set; }
    }

    internal static Row[] Sines(int count)
    {
        var random = new Random(4);
        return Enumerable.Range(0, count).Select(t => new Row
        {
            Date = new DateTime(2020, 1, 1).AddHours(t).ToString("s", CultureInfo.InvariantCulture),
            Load = Math.Round(10 + 3 * Math.Sin(2 * Math.PI * t / 24) + 1.5 * Math.Sin(2 * Math.PI * t / 7 + 1) + 0.2 * Normal(random), 4),
            Temp = Math.Round(Math.Cos(t / 10.0), 4),
        }).ToArray();
    }

    static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    static string WriteCsv(string directory, IEnumerable<string> lines, string name = "data.csv")
    {
        var path = Path.Combine(directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    internal static IEnumerable<string> Csv(Row[] rows) =>
        new[] { "date,load,temp" }.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Date},{r.Load},{r.Temp}")));

    static readonly string[] Quick = ["--horizon", "4", "--window", "24", "--epochs", "25", "--threads", "1", "--json"];

    static JsonElement Score(JsonElement result, string model) =>
        result.GetProperty("scores").EnumerateArray().First(s => s.GetProperty("model").GetString()!.StartsWith(model, StringComparison.Ordinal));

    [Fact]
    public async Task Forecasting_sines_beats_the_naive_forecast_by_far_the_same_from_csv_and_parquet_and_predict_streams_the_model()
    {
        var work = LmuProcess.TempDirectory();
        var rows = Sines(400);
        var csv = WriteCsv(work, Csv(rows));
        var parquet = Path.Combine(work, "data.parquet");
        await ParquetSerializer.SerializeAsync(rows, parquet);

        var fromCsv = LmuProcess.Run(work, ["train", "series", "--file", csv, "--target", "load", "-o", "csv-run", .. Quick]);
        Assert.True(fromCsv.ExitCode == 0, fromCsv.Stderr);
        var result = JsonDocument.Parse(fromCsv.Stdout).RootElement;
        double lmu = Score(result, "lmu").GetProperty("mase").GetDouble(), naive = Score(result, "naive").GetProperty("mase").GetDouble();
        Assert.True(lmu < 0.4 * naive, $"LMU MASE {lmu} vs naive {naive}");
        Assert.True(Score(result, "lstm").GetProperty("parameters").GetInt64() is var p && Math.Abs(p - Score(result, "lmu").GetProperty("parameters").GetInt64()) < 0.2 * p);
        foreach (var file in new[] { "forecast.png", "model.safetensors", "result.json", "lmu-metrics.jsonl", "lstm-metrics.jsonl" })
            Assert.True(File.Exists(Path.Combine(work, "csv-run", file)), file);

        var fromParquet = LmuProcess.Run(work, ["train", "series", "--file", parquet, "--target", "load", "-o", "parquet-run", .. Quick]);
        Assert.True(fromParquet.ExitCode == 0, fromParquet.Stderr);
        Assert.Equal(result.GetProperty("scores").GetRawText(), JsonDocument.Parse(fromParquet.Stdout).RootElement.GetProperty("scores").GetRawText());

        var predict = LmuProcess.Run(work, "predict", Path.Combine("csv-run", "model.safetensors"), "--file", parquet, "-o", "forecast.csv");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        var lines = File.ReadAllLines(Path.Combine(work, "forecast.csv"));
        Assert.Equal("date,load+1,load+2,load+3,load+4", lines[0]);
        Assert.Equal(1 + rows.Length - 24 + 1, lines.Length); // one forecast per row that ends a window
        Assert.StartsWith(rows[23].Date + ",", lines[1]);
        // The last forecast's first step against the truth it forecast (the row after the file ends is unknown; take one inside).
        var fields = lines[^5].Split(',');
        Assert.Equal(rows[^5].Date, fields[0]);
        Assert.True(Math.Abs(double.Parse(fields[1], CultureInfo.InvariantCulture) - rows[^4].Load) < 1.0, lines[^5]);
    }

    [Fact]
    public void The_runtime_forecaster_on_raw_values_equals_the_torch_model_on_standardised_ones()
    {
        torch.manual_seed(2);
        const int window = 16, horizon = 3;
        using var model = new LmuForecaster(features: 2, window, horizon, order: 6, hidden: 8);
        var scaling = new FeatureScaling(["load", "temp"], [10.0, -0.5], [3.0, 0.25]);
        var table = new SeriesTable("x.csv", ["load", "temp"], [], "date");
        var path = Path.Combine(LmuProcess.TempDirectory(), "model.safetensors");
        SeriesRun.Export(path, model, 2, scaling, table, window, horizon);

        var forecaster = new WindowForecaster(LmuModel.Load(path));
        var random = new Random(3);
        var raw = Enumerable.Range(0, window * 2).Select(i => (float)(i % 2 == 0 ? 10 + 3 * Normal(random) : -0.5 + 0.25 * Normal(random))).ToArray();
        var forecast = new float[horizon];
        forecaster.Forecast(raw, forecast);

        var z = (float[])raw.Clone();
        scaling.Normalize(z);
        model.eval();
        using var output = model.forward(torch.tensor(z, [1, window, 2]));
        var expected = output.data<float>().Select(v => 10 + 3 * v).ToArray();
        for (int h = 0; h < horizon; h++) Assert.Equal(expected[h], forecast[h], 4);
    }

    [Fact]
    public void Predict_writes_for_every_window_of_the_file_the_torch_models_forecast_in_raw_units()
    {
        var work = LmuProcess.TempDirectory();
        torch.manual_seed(6);
        const int window = 12, horizon = 3;
        using var model = new LmuForecaster(features: 2, window, horizon, order: 6, hidden: 8);
        var rows = Sines(60);
        var scaling = new FeatureScaling(["load", "temp"], [10.0, 0.1], [2.5, 0.7]);
        SeriesRun.Export(Path.Combine(work, "model.safetensors"), model, 2, scaling, new SeriesTable("x.csv", ["load", "temp"], [], "date"), window, horizon);
        WriteCsv(work, Csv(rows));

        var predict = LmuProcess.Run(work, "predict", "model.safetensors", "--file", "data.csv", "-o", "forecast.csv");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        var lines = File.ReadAllLines(Path.Combine(work, "forecast.csv"));
        Assert.Equal(1 + rows.Length - window + 1, lines.Length);

        // The torch model on every window of the standardised rows (the last one has no target rows: pad them).
        var normalised = rows.Select(r => scaling.Normalized([(float)r.Load, (float)r.Temp])).Concat(Enumerable.Repeat(new float[2], horizon)).ToList();
        using var windows = new SlidingWindows(window, horizon).Create(normalised, new RowRange(0, normalised.Count), [0, 1], [0]);
        model.eval();
        using var noGrad = torch.no_grad();
        var expected = (model.forward(windows.Inputs) * 2.5 + 10).data<float>().ToArray();
        Assert.Equal(rows.Length - window + 1, (int)windows.Count);
        for (int n = 0; n < windows.Count; n++)
        {
            var fields = lines[1 + n].Split(',');
            Assert.Equal(rows[n + window - 1].Date, fields[0]);
            for (int h = 0; h < horizon; h++) Assert.Equal(expected[n * horizon + h], double.Parse(fields[1 + h], CultureInfo.InvariantCulture), 1e-3);
        }

        // Bad input: a file without one of the model's inputs; a model without forecast or class metadata.
        File.WriteAllLines(Path.Combine(work, "load-only.csv"), rows.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Date},{r.Load}")).Prepend("date,load"));
        Assert.Contains("load-only.csv: the model's input names column 'temp', which the file does not have",
            Cli.Tests.Reliability.TinyRun.OneLineError(LmuProcess.Run(work, "predict", "model.safetensors", "--file", "load-only.csv", "-o", "bad.csv")));
        model.ToExport(2).Save(Path.Combine(work, "bare.safetensors"));
        Assert.Contains("bare.safetensors has no forecast.* or classify.* metadata",
            Cli.Tests.Reliability.TinyRun.OneLineError(LmuProcess.Run(work, "predict", "bare.safetensors", "--file", "data.csv", "-o", "bad.csv")));
        Assert.False(File.Exists(Path.Combine(work, "bad.csv")));
    }

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { "date,load\n2020-01-01,1\n", ["--target", "price"], "--target names column 'price', which the file does not have (columns: date, load)" },
        { Sines(200).Aggregate("date,load\n", (s, r) => s + $"{r.Date},{(r.Date.EndsWith("T05:00:00") && r.Date.StartsWith("2020-01-03") ? "n/a" : r.Load.ToString(CultureInfo.InvariantCulture))}\n"), ["--target", "load"], "row 54, column 'load': 'n/a' is not a number" },
        { "date,load\n2020-01-01,1\n2020-01-02,\n", ["--target", "load"], "row 2, column 'load': missing value" },
        { Sines(30).Aggregate("date,load\n", (s, r) => s + $"{r.Date},{r.Load.ToString(CultureInfo.InvariantCulture)}\n"), ["--target", "load"], "30 rows are too few" },
        { Sines(200).Aggregate("date,load\n", (s, r) => s + $"{r.Date},5\n"), ["--target", "load"], "column 'load' is constant (5)" },
        { "", ["--target", "load"], "the file is empty" },
        { "date,load\n2020-01-02,1\n2020-01-01,2\n", ["--target", "load"], "row 2, column 'date': 2020-01-01 does not come after the row before it" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_one_line_naming_file_row_and_column_with_exit_code_2_and_no_run_directory(string content, string[] args, string expected)
    {
        var work = LmuProcess.TempDirectory();
        var file = WriteCsv(work, [content.TrimEnd('\n')]);
        if (content.Length == 0) File.WriteAllBytes(file, []);
        var run = LmuProcess.Run(work, ["train", "series", "--file", file, .. args, "--horizon", "4", "--window", "24", "--epochs", "1", "-o", "run"]);
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(file, line);
        Assert.Contains(expected, line);
        Assert.Equal(["data.csv"], Directory.EnumerateFileSystemEntries(work).Select(Path.GetFileName));
    }
}
