using LmuSharp.Cli.Experiments;
using LmuSharp.Cli.Output;
using LmuSharp.Memory;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu capacity`: the untrained-memory recall experiment (LMU-0) of the 2019 paper.</summary>
static class CapacityCommand
{
    public static Command Create()
    {
        var order = new Option<int>("--order") { Description = "Order d of the Legendre memory.", DefaultValueFactory = _ => 100 };
        var delays = new Option<int[]>("--delays") { Description = "Delays θ to recall, in steps (the window equals the delay).", DefaultValueFactory = _ => [100, 1_000, 10_000, 100_000], AllowMultipleArgumentsPerToken = true };
        var cycles = new Option<double>("--cycles") { Description = "Input bandwidth in cycles per window (the paper's 10 Hz over a 1 s window = 10).", DefaultValueFactory = _ => 10 };
        var discretizer = new Option<string>("--discretizer") { Description = "zoh, euler or bilinear.", DefaultValueFactory = _ => "zoh" };
        var seed = new Option<int>("--seed") { Description = "Random seed of the input signal.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Directory for the PNG plots.", DefaultValueFactory = _ => Path.Combine("runs", "capacity") };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on stdout instead of a table." };
        order.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--order must be ≥ 1."); });
        delays.Validators.Add(r => { if (r.GetValueOrDefault<int[]>()?.Any(d => d < 1 || d > 100_000_000) ?? false) r.AddError("--delays must each lie in [1, 100000000] steps."); });
        cycles.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--cycles must be > 0."); });

        var command = new Command("capacity", "Recall band-limited white noise from an untrained Legendre memory at long delays (the 2019 paper's LMU-0 capacity experiment).")
        {
            order, delays, cycles, discretizer, seed, output, json,
        };
        command.SetAction(parse => Execute(parse.GetValue(order), parse.GetValue(delays)!, parse.GetValue(cycles),
            DiscretizerNames.Parse(parse.GetValue(discretizer)!), parse.GetValue(seed), parse.GetValue(output)!, parse.GetValue(json)));
        return command;
    }

    static int Execute(int order, int[] delays, double cycles, Discretizer discretizer, int seed, string output, bool json)
    {
        foreach (var delay in delays)
            if (cycles / delay > 0.5)
                throw new ArgumentException($"--cycles {cycles} over a window of {delay} steps exceeds the Nyquist limit of 0.5 cycles per step; lower --cycles or raise the delay.");
        var results = new List<CapacityExperiment.Result>();
        foreach (var delay in delays)
        {
            var result = CapacityExperiment.Run(order, delay, cycles, discretizer, seed);
            results.Add(result);
            Charts.Lines(Path.Combine(output, $"capacity-delay-{delay}.png"),
                $"LMU-0, order {order}: recall {delay:N0} steps back (NRMSE {result.Nrmse:F4})", "step", "signal",
                [("input θ steps ago", result.Time, result.Truth), ("recalled from memory", result.Time, result.Recalled)]);
        }

        if (json)
        {
            var figures = results.Select(r => new { delay = r.Delay, order = r.Order, steps = r.Steps, nrmse = r.Nrmse, seconds = r.Seconds });
            Console.Out.WriteLine(JsonSerializer.Serialize(new { experiment = "capacity", order, cyclesPerWindow = cycles, discretizer = discretizer.ToName(), seed, results = figures }));
            return 0;
        }
        var table = new Table().Title($"LMU-0 capacity: order {order}, {cycles} cycles per window, {discretizer.ToName()}")
            .AddColumns("delay θ (steps)", "sequence (steps)", "NRMSE", "time (s)");
        foreach (var r in results)
            table.AddRow($"{r.Delay:N0}", $"{r.Steps:N0}", $"{r.Nrmse:F4}", $"{r.Seconds:F2}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Plots: [blue]{Markup.Escape(Path.GetFullPath(output))}[/]");
        return 0;
    }
}
