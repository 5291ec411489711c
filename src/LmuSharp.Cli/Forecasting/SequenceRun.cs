using LmuSharp.Cli.Data;
using LmuSharp.Data;
using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Forecasting;

/// <summary>The settings of `lmu train sequences`.</summary>
sealed record SequenceOptions
{
    public required string File { get; init; }
    public required string Id { get; init; }
    public required string Label { get; init; }
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public int Order { get; init; } = 12;
    public int Hidden { get; init; } = 64;
    public int Epochs { get; init; } = 100;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-2;
    public int Patience { get; init; } = 20;
    public int Seed { get; init; }
    public int Threads { get; init; }
}

/// <summary>The result of `lmu train sequences`: test accuracy of the LMU and of always answering the most frequent training class.</summary>
sealed record SequenceResult(string File, int Sequences, int LongestSequence, IReadOnlyList<string> Classes, long Parameters, double Accuracy, double MajorityAccuracy, string Output);

/// <summary>
/// `lmu train sequences`: one label per sequence (the rows sharing an id, in file order), sequences of any
/// length. The sequences are shuffled (seeded) into 70/15/15 train/validation/test, standardised with the
/// training rows, padded at the start to the longest, and classified by the LMU read at the last step; its memory
/// input has no bias, so the padding changes nothing and the exported model classifies a sequence streamed alone
/// (see <see cref="SequencePadding"/>). Built under <c>output.partial</c>, renamed when complete, resumable
/// (<see cref="RunDirectory"/>, <see cref="ResumableFit"/>).
/// </summary>
static class SequenceRun
{
    const string Command = "sequences";

    /// <summary>A new run into <paramref name="output"/>.</summary>
    public static SequenceResult Run(SequenceOptions o, string output, IAnsiConsole console)
    {
        o = o with { File = Path.GetFullPath(o.File) }; // as config.json keeps it, for a --resume from anywhere
        RunDirectory.EnsureFree(output, Command, line => console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(line)}"));
        return Run(o, console, () => RunDirectory.Create(output, Command, o, o.File));
    }

    /// <summary>Continues the unfinished run for <paramref name="output"/> with its saved options (<paramref name="threads"/> if given).</summary>
    public static SequenceResult Resume(string output, int? threads, IAnsiConsole console)
    {
        var (directory, o) = RunDirectory.Resume<SequenceOptions>(output, Command, x => x.File);
        using (directory) return Run(threads is int t ? o with { Threads = t } : o, console, () => directory);
    }

    static SequenceResult Run(SequenceOptions o, IAnsiConsole console, Func<RunDirectory> open)
    {
        if (o.Threads > 0) torch.set_num_threads(o.Threads);
        var (features, sequences, labels) = Load(o);
        var classes = labels.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < 2)
            throw new UserError($"{o.File}: column '{o.Label}' has one class ('{classes[0]}') over its {sequences.Count} sequences; classification needs at least two.");
        if (sequences.Count < 10) throw new UserError($"{o.File}: {sequences.Count} sequences (column '{o.Id}') are too few to split into training, validation and test; give at least 10.");

        var order = Enumerable.Range(0, sequences.Count).ToArray();
        new Random(o.Seed).Shuffle(order);
        int test = (int)Math.Round(0.15 * order.Length), validation = test;
        var (trainIds, validationIds, testIds) = (order[(validation + test)..], order[..validation], order[validation..(validation + test)]);
        FeatureScaling scaling;
        try { scaling = FeatureScaling.Fit(features, trainIds.SelectMany(i => sequences[i]).ToArray()); }
        catch (ArgumentException e) { throw new UserError($"{o.File}: {e.Message}"); }
        var normalised = sequences.Select(s => s.Select(r => scaling.Normalized(r)).ToList()).ToList();
        int longest = sequences.Max(s => s.Count);
        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
        TensorDataset Set(int[] ids)
        {
            var (inputs, _) = SequencePadding.Pad(ids.Select(i => (IReadOnlyList<float[]>)normalised[i]).ToList(), features.Count, alignEnd: true);
            if (inputs.shape[1] < longest) inputs = nn.functional.pad(inputs, [0, 0, longest - inputs.shape[1], 0]);
            return new TensorDataset(inputs, torch.tensor(ids.Select(i => classIndex[labels[i]]).ToArray()));
        }
        using var trainSet = Set(trainIds);
        using var validationSet = Set(validationIds);
        using var testSet = Set(testIds);
        console.MarkupLine($"[bold]{Markup.Escape(o.File)}[/] · {sequences.Count:N0} sequences of 1–{longest} rows · {classes.Length} classes · {trainIds.Length} / {validationIds.Length} / {testIds.Length}");

        using var run = open();
        torch.manual_seed(o.Seed);
        using var model = new LmuForecaster(features.Count, longest, classes.Length, o.Order, o.Hidden, memoryBias: false);
        var fit = new FitOptions { Epochs = o.Epochs, BatchSize = o.BatchSize, LearningRate = o.LearningRate, Schedule = LearningRateSchedule.Cosine, Patience = o.Patience, Seed = o.Seed, Metric = Metric.Accuracy };
        console.Progress().Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx => ResumableFit.Run(ctx, "lmu", model, trainSet, validationSet, fit, run.Staging, SeriesRun.Say(console)));
        var (_, accuracy) = Fitting.Evaluate(model, Metric.Accuracy, testSet, o.BatchSize);
        var majority = classIndex[trainIds.GroupBy(i => labels[i]).MaxBy(g => g.Count())!.Key];
        double majorityAccuracy = testIds.Average(i => classIndex[labels[i]] == majority ? 1.0 : 0.0);

        Export(Path.Combine(run.Staging, "model.safetensors"), model, scaling, classes, o);
        return run.Complete(new SequenceResult(o.File, sequences.Count, longest, classes, model.parameters().Sum(p => p.numel()), accuracy, majorityAccuracy, Path.GetFullPath(run.Output)));
    }

    /// <summary>
    /// The exported classifier with what a runtime needs to take raw rows and name the class: the input
    /// standardisation, the classes in output order, and the id and label columns (docs/FORMAT.md, "Data metadata").
    /// </summary>
    public static void Export(string path, LmuForecaster model, FeatureScaling scaling, IReadOnlyList<string> classes, SequenceOptions o)
    {
        var metadata = new Dictionary<string, string>(scaling.ToMetadata("inputs"))
        {
            ["classify.classes"] = JsonSerializer.Serialize(classes),
            ["classify.id"] = o.Id,
            ["classify.label"] = o.Label,
        };
        model.ToExport(scaling.Count).Save(path, metadata);
    }

    /// <summary>The feature names, each sequence's rows (in file order) and its label; a label that changes within a sequence is refused.</summary>
    static (IReadOnlyList<string> Features, List<List<float[]>> Sequences, List<string> Labels) Load(SequenceOptions o)
    {
        var table = TableReader.Open(o.File);
        int id = table.Column(o.Id, "--id"), label = table.Column(o.Label, "--label");
        var features = o.Inputs.Count > 0 ? o.Inputs.ToArray() : table.Columns.Where((_, i) => i != id && i != label).ToArray();
        if (features.Length == 0) throw new UserError($"{o.File}: no input columns besides --id and --label.");
        var columns = features.Select(f => table.Column(f, "--inputs")).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var sequences = new List<List<float[]>>();
        var labels = new List<string>();
        foreach (var row in table.Rows())
        {
            string key = row.Text(id), value = row.Text(label);
            if (value.Length == 0) throw new UserError($"{o.File}: row {row.Number}, column '{o.Label}': missing value.");
            if (!index.TryGetValue(key, out int n))
            {
                index[key] = n = sequences.Count;
                sequences.Add([]);
                labels.Add(value);
            }
            else if (labels[n] != value)
                throw new UserError($"{o.File}: row {row.Number}, column '{o.Label}': '{value}' differs from '{labels[n]}' earlier in sequence '{key}'; give one label per sequence.");
            sequences[n].Add(columns.Select(c => (float)row.Value(c)).ToArray());
        }
        if (sequences.Count == 0) throw new UserError($"{o.File}: the file has a header but no rows.");
        return (features, sequences, labels);
    }
}
