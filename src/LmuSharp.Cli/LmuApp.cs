using LmuSharp.Cli.Commands;

namespace LmuSharp.Cli;

/// <summary>The `lmu` command line: subcommands, global options and the error policy.</summary>
static class LmuApp
{
    /// <summary>Show stack traces instead of one-line errors.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Print full stack traces on errors.", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("LmuSharp: train, evaluate, benchmark and explore Legendre Memory Units.");
        root.Options.Add(Verbose);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(TasksCommand.Create());
        root.Subcommands.Add(CapacityCommand.Create());
        root.Subcommands.Add(SpikingCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(CurveCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(ListenCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs the command line. Expected failures (bad arguments, missing or corrupt files, I/O errors)
    /// print one line on stderr and return 2; everything else returns 1. --verbose adds the stack trace.
    /// </summary>
    public static int Run(string[] args)
    {
        var parse = Build().Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            bool expected = e is ArgumentException or IOException or InvalidDataException or UnauthorizedAccessException or UserError;
            Console.Error.WriteLine($"lmu: error: {e.Message}");
            if (parse.GetValue(Verbose)) Console.Error.WriteLine(e);
            else if (!expected) Console.Error.WriteLine("lmu: (unexpected error; run with --verbose for the stack trace)");
            return expected ? 2 : 1;
        }
    }
}

/// <summary>A failure the user can fix; its message says what is wrong and how to fix it.</summary>
sealed class UserError(string message) : Exception(message);
