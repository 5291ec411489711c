using LmuSharp.Cli.Benchmarks;
using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu bench`: the speed tables of the modules, kernels and runtime, measured in one run on this machine.</summary>
static class BenchCommand
{
    /// <summary>The tables by name, in the order they run.</summary>
    static readonly (string Name, string Description, Func<bool, BenchTable> Run)[] Tables =
    [
        (MainJobBenchmark.Name, "the main job: a psMNIST training epoch of the default model at 1 and 2 threads, against the same model in PyTorch (bench/peers) and the FMA peak", MainJobBenchmark.Run),
        (TrainStepBenchmark.Name, "psMNIST training step of the models `lmu train psmnist` trains: lmu-parallel (final mode) vs sequential; 2019 LMU without vs with feedback", TrainStepBenchmark.Run),
        (MemoryModesBenchmark.Name, "memory with return_sequences: fft, raw, chunked, sequential, and auto's pick", MemoryModesBenchmark.Run),
        (ScanBenchmark.Name, "linear recurrence scan throughput vs memory copy and per-step TorchSharp ops", ScanBenchmark.Run),
        (RuntimeBenchmark.Name, "streaming runtime step vs TorchSharp step; memory-update GFLOP/s vs FMA peak", RuntimeBenchmark.Run),
        (LinearRnnBenchmark.Name, "SRU, QRNN-2, QRNN-10, GILR-LSTM stepped vs on the scan kernel (Martin & Cundy's table)", LinearRnnBenchmark.Run),
    ];

    public static Command Create()
    {
        var names = Tables.Select(t => t.Name).ToArray();
        var only = new Option<string[]>("--only")
        {
            Description = $"Run only these tables: {string.Join(", ", names)}.", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => names,
        };
        var quick = new Option<bool>("--quick") { Description = "Smaller sizes and fewer repetitions: the whole command in well under a minute (figures are rougher)." };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0: libtorch's default, all cores).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Directory for bench.json and the PNG charts.", DefaultValueFactory = _ => Path.Combine("runs", "bench") };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on stdout instead of tables." };
        only.Validators.Add(r =>
        {
            foreach (var name in r.GetValueOrDefault<string[]>() ?? [])
                if (!names.Contains(name)) r.AddError($"--only: unknown table '{name}'; the tables are {string.Join(", ", names)}.");
        });
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--threads must be ≥ 0 (0: all cores)."); });

        var command = new Command("bench", "Measure the speed tables (training step, memory modes, scan kernel, streaming runtime) on this machine; " +
            "print them, and write bench.json and one PNG chart per table.")
        {
            only, quick, threads, output, json,
        };
        command.SetAction(parse => Execute(parse.GetValue(only)!, parse.GetValue(quick), parse.GetValue(threads), parse.GetValue(output)!, parse.GetValue(json)));
        return command;
    }

    static int Execute(string[] only, bool quick, int threads, string output, bool json)
    {
        var full = Path.GetFullPath(output);
        if (File.Exists(full)) throw new UserError($"--output {output} is a file; give a directory (it is created if missing).");
        Directory.CreateDirectory(full); // fails early (IOException) rather than after minutes of measuring
        if (threads > 0) torch.set_num_threads(threads);
        var machine = Machine.Describe();
        var results = new List<BenchTable>();
        foreach (var (name, description, run) in Tables.Where(t => only.Contains(t.Name)))
        {
            Console.Error.WriteLine($"lmu bench: {name}: {description}…");
            var table = run(quick);
            results.Add(table);
            BenchChart.Write(Path.Combine(full, $"bench-{name}.png"), table, machine.ToString());
            if (!json) BenchReport.Write(table);
        }
        var document = BenchReport.Json(machine, quick, results);
        AtomicFile.WriteAllText(Path.Combine(full, "bench.json"), document);
        if (json)
        {
            Console.Out.WriteLine(document);
            return 0;
        }
        AnsiConsole.MarkupLine($"Machine: {Markup.Escape(machine.ToString())}");
        AnsiConsole.MarkupLine($"Results: [blue]{Markup.Escape(Path.Combine(full, "bench.json"))}[/] and one PNG chart per table");
        return 0;
    }
}
