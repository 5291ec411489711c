using LmuSharp.Cli.Data.Kws;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu data kws-stream &lt;dir&gt;`: a long recording with keywords from held-out voices at known times.</summary>
static class KwsStreamCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("dir") { Description = "The folder to write stream.wav and truth.csv to." };
        var minutes = new Option<double>("--minutes") { Description = "Length of the recording.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seeds the words, speakers, times and noise.", DefaultValueFactory = _ => 7 };
        var corpusSeed = new Option<int>("--corpus-seed") { Description = "The kws-synth seed whose test voices speak (so they are held out of that corpus' training split).", DefaultValueFactory = _ => new KwsSynthOptions().Seed };
        var command = new Command("kws-stream", "Write a long keyword test recording (stream.wav) over noise, spoken by held-out voices, with its ground truth (truth.csv).")
            { dir, minutes, seed, corpusSeed };
        command.SetAction(parse =>
        {
            double length = parse.GetValue(minutes);
            if (!(length > 0 && length <= 600)) throw new UserError("--minutes must lie in (0, 600].");
            var folder = parse.GetValue(dir)!;
            Directory.CreateDirectory(folder);
            IReadOnlyList<SpokenWord> words = [];
            AnsiConsole.Progress().Start(ctx =>
            {
                var bar = ctx.AddTask("synthesising the stream (espeak-ng)", maxValue: 1);
                words = KwsStream.Write(folder, length, parse.GetValue(seed), parse.GetValue(corpusSeed), p => bar.Value = p);
                bar.Value = 1;
            });
            AnsiConsole.MarkupLine($"Wrote [blue]{Markup.Escape(Path.Combine(folder, KwsStream.Audio))}[/] ({length:F1} min) and {KwsStream.Truth}: {words.Count(w => w.IsKeyword)} keywords, {words.Count(w => !w.IsKeyword)} other words.");
            return 0;
        });
        return command;
    }
}
