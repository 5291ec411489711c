using LmuSharp.Cli.Forecasting;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu train series`: multi-step forecasting of a column of a CSV or Parquet file, against the naive, seasonal-naive and LSTM baselines.</summary>
static class TrainSeriesCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file") { Description = "The series: a .csv (header row) or .parquet file, rows in time order (required for a new run)." };
        var target = new Option<string>("--target") { Description = "The column to forecast (required for a new run)." };
        var inputs = new Option<string[]>("--inputs") { Description = "Further input columns (the target's past is always an input).", AllowMultipleArgumentsPerToken = true };
        var date = new Option<string?>("--date") { Description = "The date column (default: the first column whose values read as dates, if any)." };
        var horizon = new Option<int>("--horizon") { Description = "H: rows ahead to forecast (required for a new run)." };
        var window = new Option<int>("--window") { Description = "W: rows of input per forecast (default: 4 H, at least 8)." };
        var order = new Option<int>("--order") { Description = "Order d of the Legendre memory.", DefaultValueFactory = _ => 12 };
        var hidden = new Option<int>("--hidden") { Description = "LMU hidden size (the LSTM gets about as many parameters).", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "Most passes over the training windows.", DefaultValueFactory = _ => 60 };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better validation RMSE (0: never).", DefaultValueFactory = _ => 15 };
        var batch = new Option<int>("--batch-size") { Description = "Windows per optimiser step.", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (peak of a cosine schedule).", DefaultValueFactory = _ => 3e-3 };
        var season = new Option<int>("--season") { Description = "Season m for the seasonal-naive forecast and MASE (default: detected from the autocorrelation, 1 if none)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights and the data order." };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0: all cores)." };
        var output = new Option<string?>("--output", "-o") { Description = "Run directory (default: a new runs/series-<target>/<date-time>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the unfinished run for -o (killed or failed) from its last saved epoch, with its saved options." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout (progress goes to stderr)." };
        var command = new Command("series", "Forecast a column of your own CSV or Parquet file H rows ahead: LMU vs LSTM vs naive and seasonal naive (MASE, RMSE, PNG). A killed run continues with --resume -o <dir>.")
            { file, target, inputs, date, horizon, window, order, hidden, epochs, patience, batch, lr, season, seed, threads, output, resume, json };
        command.SetAction(parse =>
        {
            bool resuming = parse.GetValue(resume);
            RunOptions.Check(parse, resuming, output, [file, target, horizon], [file, target, inputs, date, horizon, window, order, hidden, epochs, patience, batch, lr, season, seed]);
            var options = new SeriesOptions
            {
                File = parse.GetValue(file)!, Target = parse.GetValue(target)!, Inputs = parse.GetValue(inputs) ?? [], Date = parse.GetValue(date),
                Horizon = parse.GetValue(horizon), Window = parse.GetValue(window), Order = parse.GetValue(order), Hidden = parse.GetValue(hidden),
                Epochs = parse.GetValue(epochs), Patience = parse.GetValue(patience), BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr),
                Season = parse.GetValue(season), Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            var directory = parse.GetValue(output) ?? Path.Combine("runs", $"series-{options.Target}", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            bool asJson = parse.GetValue(json);
            var console = asJson ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            var result = resuming ? SeriesRun.Resume(directory, ThreadsGiven(parse, threads), console) : SeriesRun.Run(options, directory, console);
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(result, JsonOptions.Compact));
            else Summarise(console, result);
            return 0;
        });
        return command;
    }

    /// <summary>--threads if given on the command line (a resumed run otherwise keeps its own).</summary>
    public static int? ThreadsGiven(ParseResult parse, Option<int> threads) => parse.GetResult(threads) is { Implicit: false } ? parse.GetValue(threads) : null;

    static void Summarise(IAnsiConsole console, SeriesResult r)
    {
        var table = new Table().Title($"{Markup.Escape(Path.GetFileName(r.File))} · {Markup.Escape(r.Target)} · {r.Horizon} steps ahead · {r.TestWindows:N0} test windows")
            .AddColumns("model", "parameters", "MASE", "RMSE");
        foreach (var s in r.Scores) table.AddRow(Markup.Escape(s.Model), s.Parameters > 0 ? $"{s.Parameters:N0}" : "-", $"{s.Mase:F3}", $"{s.Rmse:G4}");
        console.Write(table);
        console.MarkupLine($"Run directory: [blue]{Markup.Escape(r.Output)}[/] (forecast.png, model.safetensors for `lmu predict`)");
    }
}
