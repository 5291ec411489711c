using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using LmuSharp.Cli.Forecasting;
using LmuSharp.Cli.Tests.Reliability;
using LmuSharp.Data;
using LmuSharp.Torch.Training;
using TorchSharp;

namespace LmuSharp.Cli.Tests;

public class SequencesCommandTests
{
    /// <summary>A row of the predict test's Parquet file.</summary>
    public sealed class Row
    {
        [JsonPropertyName("seq")] public string Seq { get; set; } = "";
        [JsonPropertyName("note")] public string Note { get; set; } = "";
        [JsonPropertyName("y")] public float Y { get; set; }
        [JsonPropertyName("x")] public float X { get; set; }
    }

    /// <summary>
    /// Two processes, sequences of 20–60 rows, alternating: a noisy sine of random phase ("sine") and a Gaussian
    /// random walk ("walk"); the rows of a sequence are consecutive, its id in column id.
    /// </summary>
    internal static string Processes(int count, Func<int, string>? label = null)
    {
        var random = new Random(2);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var csv = new StringBuilder("id,kind,x\n");
        for (int n = 0; n < count; n++)
        {
            string kind = n % 2 == 1 ? "sine" : "walk";
            int length = random.Next(20, 61);
            double phase = 6 * random.NextDouble(), walk = 0;
            for (int t = 0; t < length; t++)
            {
                double x = kind == "sine" ? Math.Sin(t / 3.0 + phase) + 0.3 * Normal() : walk += 0.5 * Normal();
                csv.Append(CultureInfo.InvariantCulture, $"s{n},{label?.Invoke(n) ?? kind},{x:F4}\n");
            }
        }
        return csv.ToString();
    }

    [Fact]
    public void Two_generated_processes_are_told_apart()
    {
        var work = LmuProcess.TempDirectory();
        File.WriteAllText(Path.Combine(work, "seq.csv"), Processes(300));
        var run = LmuProcess.Run(work, "train", "sequences", "--file", "seq.csv", "--id", "id", "--label", "kind", "--threads", "1", "-o", "run", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(["sine", "walk"], result.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(60, result.GetProperty("longestSequence").GetInt32());
        Assert.True(result.GetProperty("accuracy").GetDouble() >= 0.9, run.Stdout);
        Assert.True(File.Exists(Path.Combine(work, "run", "model.safetensors")));
    }

    [Theory]
    [InlineData("one", "column 'kind' has one class ('a') over its 30 sequences")]
    [InlineData("changing", "row 2, column 'kind': 'b' differs from 'a' earlier in sequence 's0'")]
    [InlineData("missing", "--label names column 'class', which the file does not have (columns: id, kind, x)")]
    public void Bad_labels_are_one_line_with_exit_code_2_and_no_run_directory(string problem, string expected)
    {
        var work = LmuProcess.TempDirectory();
        var content = problem switch
        {
            "one" => Processes(30, _ => "a"),
            "changing" => "id,kind,x\ns0,a,1\ns0,b,2\n",
            _ => Processes(30),
        };
        File.WriteAllText(Path.Combine(work, "seq.csv"), content);
        var run = LmuProcess.Run(work, "train", "sequences", "--file", "seq.csv", "--id", "id", "--label", problem == "missing" ? "class" : "kind", "-o", "run");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("seq.csv", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(Path.Combine(work, "run")));
        Assert.Single(Directory.EnumerateFileSystemEntries(work));
    }

    [Fact]
    public async Task Predict_streams_each_sequence_through_the_runtime_from_csv_or_parquet_and_equals_the_torch_model_on_the_padded_batch()
    {
        var work = LmuProcess.TempDirectory();
        torch.manual_seed(5);
        const int longest = 40;
        using var model = new LmuForecaster(features: 2, window: longest, horizon: 3, order: 6, hidden: 8, memoryBias: false);
        var scaling = new FeatureScaling(["x", "y"], [0.5, -1.0], [2.0, 0.5]);
        string[] classes = ["a", "b", "c"];
        SequenceRun.Export(Path.Combine(work, "model.safetensors"), model, scaling, classes, new SequenceOptions { File = "train.csv", Id = "seq", Label = "kind" });

        // Raw rows of 30 sequences of 1–40 rows, each sequence's rows together; an extra column the model ignores.
        var random = new Random(8);
        var sequences = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, random.Next(1, longest + 1))
            .Select(_ => new[] { (float)(0.5 + 2 * (random.NextDouble() - 0.5) * 3), (float)(-1 + 0.5 * (random.NextDouble() - 0.5) * 3) }).ToList()).ToList();
        var csv = new StringBuilder("seq,note,y,x\n");
        for (int n = 0; n < sequences.Count; n++)
            foreach (var row in sequences[n]) csv.Append(CultureInfo.InvariantCulture, $"q{n},-,{row[1]:R},{row[0]:R}\n");
        File.WriteAllText(Path.Combine(work, "data.csv"), csv.ToString());

        var predict = LmuProcess.Run(work, "predict", "model.safetensors", "--file", "data.csv", "-o", "out.csv");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        var lines = File.ReadAllLines(Path.Combine(work, "out.csv"));
        Assert.Equal("seq,kind,p(a),p(b),p(c)", lines[0]);
        Assert.Equal(1 + sequences.Count, lines.Length);

        // The torch model on the whole batch, standardised and zero-padded at the start to the longest, as in training.
        var (inputs, _) = SequencePadding.Pad(sequences.Select(s => (IReadOnlyList<float[]>)s.Select(r => scaling.Normalized(r)).ToList()).ToList(), 2, alignEnd: true);
        model.eval();
        float[] expected;
        using (torch.no_grad()) // a block, not to the method's end: after the await below the method runs on another
            expected = torch.nn.functional.softmax(model.forward(inputs), 1).data<float>().ToArray(); // thread, and grad mode is per thread
        int decided = 0;
        for (int n = 0; n < sequences.Count; n++)
        {
            var fields = lines[1 + n].Split(',');
            Assert.Equal($"q{n}", fields[0]);
            var p = expected.AsSpan(3 * n, 3).ToArray();
            for (int c = 0; c < 3; c++) Assert.Equal(p[c], double.Parse(fields[2 + c], CultureInfo.InvariantCulture), 1e-5);
            var ranked = p.Order().ToArray();
            if (ranked[2] - ranked[1] < 1e-4) continue; // a near tie may go either way by rounding
            Assert.Equal(classes[Array.IndexOf(p, ranked[2])], fields[1]);
            decided++;
        }
        Assert.True(decided >= 25, $"{decided} of 30 sequences had a clear most probable class");

        // The same rows from Parquet (read a row group at a time): the same lines.
        var records = sequences.SelectMany((s, n) => s.Select(r => new Row { Seq = $"q{n}", Note = "-", Y = r[1], X = r[0] })).ToArray();
        await ParquetSerializer.SerializeAsync(records, Path.Combine(work, "data.parquet"), new Parquet.ParquetOptions { RowGroupSize = 64 });
        var fromParquet = LmuProcess.Run(work, "predict", "model.safetensors", "--file", "data.parquet", "-o", "out-parquet.csv");
        Assert.True(fromParquet.ExitCode == 0, fromParquet.Stderr);
        Assert.Equal(lines, File.ReadAllLines(Path.Combine(work, "out-parquet.csv")));

        File.WriteAllText(Path.Combine(work, "split.csv"), "seq,note,y,x\nq0,-,1,2\nq1,-,1,2\nq0,-,3,4\n");
        var split = TinyRun.OneLineError(LmuProcess.Run(work, "predict", "model.safetensors", "--file", "split.csv", "-o", "split-out.csv"));
        Assert.Contains("split.csv: row 3, column 'seq': sequence 'q0' continues after rows of other sequences", split);
        Assert.False(File.Exists(Path.Combine(work, "split-out.csv")));
    }
}
