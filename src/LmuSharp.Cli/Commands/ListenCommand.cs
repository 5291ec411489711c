using System.Globalization;
using LmuSharp.Audio;
using LmuSharp.Cli.Data.Kws;
using LmuSharp.Runtime;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu listen &lt;model&gt; &lt;file.wav|-&gt;`: the always-on keyword detector over a recording or raw PCM on stdin.</summary>
static class ListenCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A keyword model exported by `lmu export` (.safetensors)." };
        var input = new Argument<string>("input") { Description = "A mono WAV file at the model's rate, or - for raw 16-bit little-endian mono PCM on stdin." };
        var defaults = new KeywordSpotterOptions();
        var threshold = new Option<float>("--threshold") { Description = "Smoothed posterior a keyword must exceed.", DefaultValueFactory = _ => defaults.Threshold };
        var smoothing = new Option<int>("--smoothing") { Description = "Frames the posteriors are averaged over.", DefaultValueFactory = _ => defaults.SmoothingFrames };
        var refractory = new Option<double>("--refractory") { Description = "Seconds after a detection during which no other fires.", DefaultValueFactory = _ => defaults.RefractorySeconds };
        var onset = new Option<float>("--onset-level") { Description = "A detection is dated to where the keyword's smoothed posterior last rose past this level (capped at --threshold).", DefaultValueFactory = _ => defaults.OnsetLevel };
        var int8 = new Option<bool>("--int8") { Description = "Run the int8 runtime path (needs a model trained with --quantize int8)." };
        var truth = new Option<string?>("--truth") { Description = "A truth.csv from `lmu data kws-stream`: print precision, recall, F1 (±0.5 s) and false alarms per hour at the end." };
        var json = new Option<bool>("--json") { Description = "One JSON object per line (detections, then the score)." };
        var command = new Command("listen", "Run a keyword model over a long recording, frame by frame and never reset, printing one line per detection.")
            { model, input, threshold, smoothing, refractory, onset, int8, truth, json };
        command.SetAction(parse =>
        {
            var options = new KeywordSpotterOptions(parse.GetValue(smoothing), parse.GetValue(threshold), parse.GetValue(refractory), parse.GetValue(onset));
            if (options.SmoothingFrames < 1) throw new UserError("--smoothing must be ≥ 1.");
            if (options.Threshold is <= 0 or >= 1) throw new UserError("--threshold must lie in (0, 1).");
            if (options.RefractorySeconds < 0) throw new UserError("--refractory must be ≥ 0.");
            if (options.OnsetLevel is <= 0 or >= 1) throw new UserError("--onset-level must lie in (0, 1).");
            return Execute(parse.GetValue(model)!, parse.GetValue(input)!, options, parse.GetValue(int8), parse.GetValue(truth), parse.GetValue(json));
        });
        return command;
    }

    /// <summary>A keyword detector for a model file; one clear error line when the file is not a keyword model.</summary>
    public static KeywordSpotter Open(string path, KeywordSpotterOptions options, bool int8)
    {
        if (!File.Exists(path)) throw new UserError($"model '{path}' does not exist.");
        try
        {
            if (!int8) return new KeywordSpotter(LmuModel.Load(path), options);
            var quantised = Int8Model.Load(path);
            return new KeywordSpotter(quantised.Metadata, quantised.InputSize, quantised.OutputSize, quantised.CreateStream().Step, options);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException) { throw new UserError($"{path}: {e.Message}"); }
    }

    static int Execute(string modelPath, string input, KeywordSpotterOptions options, bool int8, string? truthPath, bool json)
    {
        var truth = truthPath is null ? null : KwsStream.ReadTruth(truthPath);
        var spotter = Open(modelPath, options, int8);
        var all = new List<Detection>();
        void Report(IReadOnlyList<Detection> found)
        {
            foreach (var d in found)
            {
                all.Add(d);
                Console.Out.WriteLine(json
                    ? JsonSerializer.Serialize(new { time = Math.Round(d.Time, 3), keyword = d.Keyword, confidence = Math.Round(d.Confidence, 4), decided = Math.Round(d.DecisionTime, 3) })
                    : string.Create(CultureInfo.InvariantCulture, $"{d.Time,9:F2} s  {d.Keyword,-6} {d.Confidence:F3}  (decided at {d.DecisionTime:F2} s)"));
            }
        }
        int chunk = spotter.Frontend.SampleRate / 10; // 100 ms at a time, as a live source delivers it
        if (input == "-")
        {
            using var stdin = Console.OpenStandardInput();
            var bytes = new byte[chunk * 2];
            int held = 0, n;
            while ((n = stdin.Read(bytes, held, bytes.Length - held)) > 0)
            {
                held += n;
                int whole = held & ~1;
                Report(spotter.Push(WavFile.FromPcm16(bytes.AsSpan(0, whole))));
                if (held > whole) bytes[0] = bytes[whole];
                held -= whole;
            }
        }
        else
        {
            if (!File.Exists(input)) throw new UserError($"input '{input}' does not exist.");
            var audio = WavFile.Read(input, spotter.Frontend.SampleRate);
            for (int at = 0; at < audio.Length; at += chunk) Report(spotter.Push(audio.AsSpan(at, Math.Min(chunk, audio.Length - at))));
        }
        if (truth is not null)
        {
            var s = KwsScore.Of(all, truth, spotter.Seconds);
            if (json) Console.Out.WriteLine(JsonSerializer.Serialize(new { score = new { s.Keywords, s.Detections, s.Hits, s.FalseAlarms, hours = s.Hours, s.Precision, s.Recall, s.F1, s.FalseAlarmsPerHour } }, JsonOptions.Compact));
            else AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Keywords} keywords, {s.Detections} detections, {s.Hits} hits: precision {s.Precision:F3}, recall {s.Recall:F3}, [bold]F1 {s.F1:F3}[/], {s.FalseAlarms} false alarms = {s.FalseAlarmsPerHour:F1} per hour ({spotter.Seconds / 60:F1} min of audio)"));
        }
        return 0;
    }
}
