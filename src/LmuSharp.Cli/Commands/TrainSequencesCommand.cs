using LmuSharp.Cli.Forecasting;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu train sequences`: classify the sequences of a CSV or Parquet file (rows grouped by an id column, one label each).</summary>
static class TrainSequencesCommand
{
    public static Command Create()
    {
        var file = new Option<string>("--file") { Description = "The rows: a .csv (header row) or .parquet file; a sequence's rows in order (required for a new run)." };
        var id = new Option<string>("--id") { Description = "The column naming each row's sequence (required for a new run)." };
        var label = new Option<string>("--label") { Description = "The column with each sequence's class, the same on all its rows (required for a new run)." };
        var inputs = new Option<string[]>("--inputs") { Description = "The input columns (default: all but --id and --label).", AllowMultipleArgumentsPerToken = true };
        var order = new Option<int>("--order") { Description = "Order d of the Legendre memory.", DefaultValueFactory = _ => 12 };
        var hidden = new Option<int>("--hidden") { Description = "LMU hidden size.", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = "Most passes over the training sequences.", DefaultValueFactory = _ => 100 };
        var patience = new Option<int>("--patience") { Description = "Stop after this many epochs without a better validation accuracy (0: never).", DefaultValueFactory = _ => 20 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (peak of a cosine schedule).", DefaultValueFactory = _ => 1e-2 };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, the weights and the data order." };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0: all cores)." };
        var output = new Option<string?>("--output", "-o") { Description = "Run directory (default: a new runs/sequences-<label>/<date-time>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the unfinished run for -o (killed or failed) from its last saved epoch, with its saved options." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout (progress goes to stderr)." };
        var command = new Command("sequences", "Classify variable-length sequences of your own CSV or Parquet file, one label per sequence. A killed run continues with --resume -o <dir>.")
            { file, id, label, inputs, order, hidden, epochs, patience, lr, seed, threads, output, resume, json };
        command.SetAction(parse =>
        {
            bool resuming = parse.GetValue(resume);
            RunOptions.Check(parse, resuming, output, [file, id, label], [file, id, label, inputs, order, hidden, epochs, patience, lr, seed]);
            var options = new SequenceOptions
            {
                File = parse.GetValue(file)!, Id = parse.GetValue(id)!, Label = parse.GetValue(label)!, Inputs = parse.GetValue(inputs) ?? [],
                Order = parse.GetValue(order), Hidden = parse.GetValue(hidden), Epochs = parse.GetValue(epochs), Patience = parse.GetValue(patience),
                LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            var directory = parse.GetValue(output) ?? Path.Combine("runs", $"sequences-{options.Label}", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            bool asJson = parse.GetValue(json);
            var console = asJson ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
            var r = resuming ? SequenceRun.Resume(directory, TrainSeriesCommand.ThreadsGiven(parse, threads), console) : SequenceRun.Run(options, directory, console);
            if (asJson) Console.Out.WriteLine(JsonSerializer.Serialize(r, JsonOptions.Compact));
            else
            {
                var table = new Table().Title($"{Markup.Escape(Path.GetFileName(r.File))} · {r.Classes.Count} classes · {r.Sequences:N0} sequences").AddColumns("model", "parameters", "test accuracy");
                table.AddRow("lmu", $"{r.Parameters:N0}", $"{r.Accuracy:P2}");
                table.AddRow("most frequent class", "-", $"{r.MajorityAccuracy:P2}");
                console.Write(table);
                console.MarkupLine($"Run directory: [blue]{Markup.Escape(r.Output)}[/]");
            }
            return 0;
        });
        return command;
    }
}
