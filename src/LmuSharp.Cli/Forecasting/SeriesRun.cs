using System.Globalization;
using LmuSharp.Cli.Output;
using LmuSharp.Data;
using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Forecasting;

/// <summary>The settings of `lmu train series`.</summary>
sealed record SeriesOptions
{
    public required string File { get; init; }
    public required string Target { get; init; }
    public IReadOnlyList<string> Inputs { get; init; } = [];
    public string? Date { get; init; }
    public required int Horizon { get; init; }
    public int Window { get; init; }
    public int Order { get; init; } = 12;
    public int Hidden { get; init; } = 32;
    public int Epochs { get; init; } = 60;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 3e-3;
    public int Patience { get; init; } = 15;
    public int Seed { get; init; }
    public int Season { get; init; }
    public double Validation { get; init; } = 0.15;
    public double Test { get; init; } = 0.15;
    public int Threads { get; init; }

    /// <summary>The input window W: as given, else four horizons (at least 8).</summary>
    public int WindowOrDefault => Window > 0 ? Window : Math.Max(8, 4 * Horizon);
}

/// <summary>One forecaster's figures on the test windows (raw units).</summary>
sealed record ForecastScore(string Model, long Parameters, double Rmse, double Mase);

/// <summary>The result of `lmu train series`.</summary>
sealed record SeriesResult(string File, string Target, int Rows, int Window, int Horizon, int Season, int TestWindows, IReadOnlyList<ForecastScore> Scores, string Output);

/// <summary>
/// `lmu train series`: reads a series file, splits it in time order, standardises with the training rows,
/// cuts windows, trains the LMU forecaster and an LSTM of about its size with the library's fit, and scores
/// both with the naive and seasonal-naive forecasts on the same test windows. The run directory is built
/// under <c>output.partial</c> and renamed when complete (<see cref="RunDirectory"/>); each fit checkpoints every
/// epoch (<see cref="ResumableFit"/>), so a killed run continues with <see cref="Resume"/> to the same result.
/// </summary>
static class SeriesRun
{
    const string Command = "series";

    /// <summary>A new run into <paramref name="output"/>.</summary>
    public static SeriesResult Run(SeriesOptions o, string output, IAnsiConsole console)
    {
        o = o with { File = Path.GetFullPath(o.File) }; // as config.json keeps it, for a --resume from anywhere
        RunDirectory.EnsureFree(output, Command, line => console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(line)}"));
        return Run(o, console, () => RunDirectory.Create(output, Command, o, o.File));
    }

    /// <summary>Continues the unfinished run for <paramref name="output"/> with its saved options (<paramref name="threads"/> if given).</summary>
    public static SeriesResult Resume(string output, int? threads, IAnsiConsole console)
    {
        var (directory, o) = RunDirectory.Resume<SeriesOptions>(output, Command, x => x.File);
        using (directory) return Run(threads is int t ? o with { Threads = t } : o, console, () => directory);
    }

    static SeriesResult Run(SeriesOptions o, IAnsiConsole console, Func<RunDirectory> open)
    {
        if (o.Horizon < 1) throw new UserError($"--horizon must be ≥ 1, got {o.Horizon}.");
        if (o.Window < 0 || o.Order < 1 || o.Hidden < 1) throw new UserError("--window must be ≥ 0 (0: four horizons), --order and --hidden ≥ 1.");
        if (o.Threads > 0) torch.set_num_threads(o.Threads);
        var table = SeriesTable.Load(o.File, o.Target, o.Inputs, o.Date);
        int window = o.WindowOrDefault;
        var windows = new SlidingWindows(window, o.Horizon);
        var (train, validation, test) = TimeSplit.Of(table.Rows.Count, o.Validation, o.Test);
        foreach (var (name, range) in new[] { ("training", train), ("validation", validation), ("test", test) })
            if (!windows.Starts(range).Any())
                throw new UserError($"{o.File}: {table.Rows.Count} rows are too few: the {name} rows {range.Start + 1}–{range.End} hold no window of {window} input rows (--window) and {o.Horizon} target rows (--horizon); give more rows or lower them.");

        FeatureScaling scaling;
        try { scaling = FeatureScaling.Fit(table.Features, table.Rows.GetRange(train.Start, train.Length)); }
        catch (ArgumentException e) { throw new UserError($"{o.File}: {e.Message}"); }
        var trainTarget = table.Rows.GetRange(train.Start, train.Length).Select(r => r[0]).ToArray();
        int season = o.Season > 0 ? o.Season : Baselines.DetectSeason(trainTarget, window);
        if (season > window) throw new UserError($"--season {season} is longer than the window {window}; the seasonal-naive forecast needs the value one season back.");

        var normalised = table.Rows.Select(r => scaling.Normalized(r)).ToList();
        int[] inputs = Enumerable.Range(0, table.Features.Count).ToArray();
        using var trainSet = windows.Create(normalised, train, inputs, [0]);
        using var validationSet = windows.Create(normalised, validation, inputs, [0]);
        using var testSet = windows.Create(normalised, test, inputs, [0]);
        console.MarkupLine($"[bold]{Markup.Escape(o.File)}[/] · target {Markup.Escape(o.Target)} · {table.Rows.Count:N0} rows · window {window} · horizon {o.Horizon} · season {season} · {trainSet.Count:N0} / {validationSet.Count:N0} / {testSet.Count:N0} windows");

        using var run = open();
        string staging = run.Staging;
        torch.manual_seed(o.Seed);
        using var lmu = new LmuForecaster(inputs.Length, window, o.Horizon, o.Order, o.Hidden);
        long lmuParameters = Parameters(lmu);
        torch.manual_seed(o.Seed);
        using var lstm = new LstmForecaster(inputs.Length, o.Horizon, LstmForecaster.HiddenFor(lmuParameters, inputs.Length, o.Horizon));
        var fit = new FitOptions { Epochs = o.Epochs, BatchSize = o.BatchSize, LearningRate = o.LearningRate, Schedule = LearningRateSchedule.Cosine, Patience = o.Patience, Seed = o.Seed, Metric = Metric.Rmse };
        console.Progress().Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(ctx =>
            {
                ResumableFit.Run(ctx, "lmu", lmu, trainSet, validationSet, fit, staging, Say(console));
                ResumableFit.Run(ctx, "lstm", lstm, trainSet, validationSet, fit, staging, Say(console));
            });

        float[][] Raw(Tensor z) => Rows(z * scaling.Deviations[0] + scaling.Means[0]);
        var truth = Raw(testSet.Targets);
        var last = Raw(testSet.Inputs.select(2, 0));
        double scale = Baselines.MaseScale(trainTarget, season);
        var forecasts = new (string Model, long Parameters, float[][] Values)[]
        {
            ("lmu", lmuParameters, Raw(Predict(lmu, testSet.Inputs))),
            ("lstm", Parameters(lstm), Raw(Predict(lstm, testSet.Inputs))),
            ("naive", 0, Baselines.Naive(last, o.Horizon)),
            ($"seasonal naive (m = {season})", 0, Baselines.SeasonalNaive(last, o.Horizon, season)),
        };
        var scores = forecasts.Select(f => new ForecastScore(f.Model, f.Parameters, Baselines.Rmse(f.Values, truth), Baselines.Mase(f.Values, truth, scale))).ToArray();

        var testStarts = windows.Starts(test).ToArray();
        PlotForecasts(Path.Combine(staging, "forecast.png"), o, window, testStarts, truth, forecasts);
        Export(Path.Combine(staging, "model.safetensors"), lmu, inputs.Length, scaling, table, window, o.Horizon);
        return run.Complete(new SeriesResult(o.File, o.Target, table.Rows.Count, window, o.Horizon, season, testStarts.Length, scores, Path.GetFullPath(run.Output)));
    }

    /// <summary>Prints a line above the progress display.</summary>
    public static Action<string> Say(IAnsiConsole console) => line => console.MarkupLine(Markup.Escape(line));

    static long Parameters(nn.Module module) => module.parameters().Sum(p => p.numel());

    static Tensor Predict(nn.Module<Tensor, Tensor> model, Tensor inputs)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        return model.forward(inputs);
    }

    static float[][] Rows(Tensor matrix)
    {
        var values = matrix.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        int columns = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => values.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    /// <summary>
    /// The exported LMU with what a runtime needs to take raw rows and give raw forecasts: the input and target
    /// standardisation, the window, the horizon and the key column (docs/FORMAT.md, "Data metadata").
    /// </summary>
    public static void Export(string path, LmuForecaster model, int features, FeatureScaling scaling, SeriesTable table, int window, int horizon)
    {
        var target = new FeatureScaling([table.Features[0]], [scaling.Means[0]], [scaling.Deviations[0]]);
        var metadata = new Dictionary<string, string>(scaling.ToMetadata("inputs"));
        foreach (var (k, v) in target.ToMetadata("targets")) metadata[k] = v;
        metadata["forecast.window"] = window.ToString(CultureInfo.InvariantCulture);
        metadata["forecast.horizon"] = horizon.ToString(CultureInfo.InvariantCulture);
        metadata["forecast.key"] = table.KeyName;
        model.ToExport(features).Save(path, metadata);
    }

    /// <summary>The test period's truth and each forecast H steps ahead, at the row it forecasts.</summary>
    static void PlotForecasts(string path, SeriesOptions o, int window, int[] starts, float[][] truth, (string Model, long Parameters, float[][] Values)[] forecasts)
    {
        double[] rows = starts.Select(s => (double)(s + window + o.Horizon)).ToArray(); // 1-based row of step H
        var series = new List<(string, double[], double[])> { ("truth", rows, truth.Select(t => (double)t[^1]).ToArray()) };
        series.AddRange(forecasts.Select(f => (f.Model, rows, f.Values.Select(v => (double)v[^1]).ToArray())));
        Charts.Lines(path, $"{Path.GetFileName(o.File)} · {o.Target}: {o.Horizon} steps ahead on the test rows", "row", o.Target, series);
    }
}
