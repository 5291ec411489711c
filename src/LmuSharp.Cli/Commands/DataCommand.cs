using LmuSharp.Cli.Data.Kws;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu data …`: writes data sets the machine cannot download (the synthetic keyword corpus and test stream).</summary>
static class DataCommand
{
    public static Command Create()
    {
        var command = new Command("data", "Write data sets: a synthetic Speech Commands corpus (kws-synth) and a long keyword test stream (kws-stream).");
        command.Subcommands.Add(KwsSynth());
        command.Subcommands.Add(KwsStreamCommand.Create());

        return command;
    }

    static Command KwsSynth()
    {
        var dir = new Argument<string>("dir") { Description = "The folder to write the corpus to (Speech Commands v2 layout)." };
        var defaults = new KwsSynthOptions();
        var seed = new Option<int>("--seed") { Description = "Seeds every random choice.", DefaultValueFactory = _ => defaults.Seed };
        var train = new Option<int>("--train-speakers") { Description = "Speakers in the training split.", DefaultValueFactory = _ => defaults.TrainSpeakers };
        var validation = new Option<int>("--validation-speakers") { Description = "Speakers in the validation split (held-out voices).", DefaultValueFactory = _ => defaults.ValidationSpeakers };
        var test = new Option<int>("--test-speakers") { Description = "Speakers in the test split (held-out voices).", DefaultValueFactory = _ => defaults.TestSpeakers };
        var repeats = new Option<int>("--repeats") { Description = "Times each speaker says each keyword.", DefaultValueFactory = _ => defaults.Repeats };
        var unknown = new Option<int>("--unknown-words") { Description = "Non-keyword words each speaker says.", DefaultValueFactory = _ => defaults.UnknownWordsPerSpeaker };
        var perturbation = new Option<double>("--voice-perturbation")
        {
            Description = "Training speakers' formants move by a vocal-tract factor in [1 − p, 1 + p] (0: the stock espeak-ng variants).",
            DefaultValueFactory = _ => defaults.VoicePerturbation,
        };
        var command = new Command("kws-synth", "Synthesise a keyword-spotting corpus with espeak-ng in the Speech Commands v2 layout (held-out voices for validation and test).")
            { dir, seed, train, validation, test, repeats, unknown, perturbation };
        command.SetAction(parse =>
        {
            var options = new KwsSynthOptions
            {
                Seed = parse.GetValue(seed), TrainSpeakers = parse.GetValue(train), ValidationSpeakers = parse.GetValue(validation),
                TestSpeakers = parse.GetValue(test), Repeats = parse.GetValue(repeats), UnknownWordsPerSpeaker = parse.GetValue(unknown),
                VoicePerturbation = parse.GetValue(perturbation),
            };
            Require(options.TrainSpeakers >= 1 && options.ValidationSpeakers >= 1 && options.TestSpeakers >= 1, "--train-speakers, --validation-speakers and --test-speakers must be ≥ 1");
            Require(options.Repeats >= 1, "--repeats must be ≥ 1");
            Require(options.VoicePerturbation is >= 0 and < 0.5, "--voice-perturbation must lie in [0, 0.5)");
            Require(options.UnknownWordsPerSpeaker is >= 1 and <= 25, "--unknown-words must lie in [1, 25]");
            Synthesise(parse.GetValue(dir)!, options, AnsiConsole.Console);
            return 0;
        });
        return command;
    }

    /// <summary>Writes the corpus with a progress bar.</summary>
    public static void Synthesise(string dir, KwsSynthOptions options, IAnsiConsole console)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new UserError($"'{dir}' is not empty; choose a new folder for the corpus.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int total = 0;
        console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask("synthesising clips (espeak-ng)");
                new KwsSynthesizer(options).Write(dir, (done, all) => { bar.MaxValue = total = all; bar.Value = done; });
            });
        console.MarkupLine($"Wrote {total:N0} clips to [blue]{Markup.Escape(dir)}[/] in {clock.Elapsed.TotalSeconds:F0} s (voices by split: VOICES.txt).");
    }

    static void Require(bool condition, string message)
    {
        if (!condition) throw new UserError(message + ".");
    }
}
