using System.Globalization;
using LmuSharp.Audio;

namespace LmuSharp.Cli.Data.Kws;

/// <summary>One spoken word in a test stream: its interval in seconds and the word.</summary>
sealed record SpokenWord(double Start, double End, string Word)
{
    public bool IsKeyword => SpeechCommands.Keywords.Contains(Word);
}

/// <summary>
/// A long test recording for the always-on detector: continuous generated background noise (its level drifting),
/// and every 1.5–4 s a word spoken by a held-out test speaker (the test voice variants of the corpus seed):
/// a keyword three times in four, else a non-keyword word. Writes stream.wav and truth.csv (start,end,word).
/// </summary>
static class KwsStream
{
    public const string Audio = "stream.wav";
    public const string Truth = "truth.csv";

    public static IReadOnlyList<SpokenWord> Write(string dir, double minutes, int seed, int corpusSeed, Action<double> progress)
    {
        const int rate = SpeechCommands.SampleRate;
        var synth = new KwsSynthesizer(new KwsSynthOptions { Seed = corpusSeed, TestSpeakers = 40, NoiseSeconds = 30 });
        var speakers = synth.Speakers(2);
        var noises = synth.Noises();
        var random = new Random(KwsSynthesizer.StableSeed($"stream/{seed}"));
        int length = (int)(minutes * 60 * rate);
        var audio = new float[length];
        // Background: 5 s stretches of a random noise kind at a random level (RMS 0.003–0.03).
        for (int at = 0; at < length; at += 5 * rate)
        {
            var noise = noises[random.Next(noises.Count)].Samples;
            int start = random.Next(noise.Length - 5 * rate);
            float level = (float)(0.003 * Math.Pow(10, random.NextDouble()) / 0.15);
            for (int i = 0; i < 5 * rate && at + i < length; i++) audio[at + i] = noise[start + i] * level;
        }
        var words = new List<SpokenWord>();
        double time = 1 + random.NextDouble();
        while (time + 1.2 < minutes * 60)
        {
            var speaker = speakers[random.Next(speakers.Count)];
            string word = random.NextDouble() < 0.75
                ? SpeechCommands.Keywords[random.Next(SpeechCommands.Keywords.Length)]
                : KwsSynthesizer.UnknownWords[random.Next(KwsSynthesizer.UnknownWords.Count)];
            var speech = KwsSynthesizer.Utter(word, speaker, random);
            int begin = (int)(time * rate), count = Math.Min(speech.Length, length - begin);
            for (int i = 0; i < count; i++) audio[begin + i] = Math.Clamp(audio[begin + i] + speech[i], -1f, 1f);
            words.Add(new SpokenWord(time, time + (double)count / rate, word));
            progress(time / (minutes * 60));
            time += (double)count / rate + 1.5 + 2.5 * random.NextDouble();
        }
        WavFile.Write(Path.Combine(dir, Audio), audio, rate);
        LmuSharp.IO.AtomicFile.WriteAllText(Path.Combine(dir, Truth), "start,end,word\n" + string.Concat(words.Select(w =>
            string.Create(CultureInfo.InvariantCulture, $"{w.Start:F3},{w.End:F3},{w.Word}\n"))));
        return words;
    }

    /// <summary>Reads a truth.csv written by <see cref="Write"/>.</summary>
    public static IReadOnlyList<SpokenWord> ReadTruth(string path)
    {
        if (!File.Exists(path)) throw new UserError($"--truth: '{path}' does not exist.");
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != "start,end,word") throw new UserError($"{path}: expected the header 'start,end,word' (a truth.csv from `lmu data kws-stream`).");
        return lines.Skip(1).Where(l => l.Length > 0).Select((line, i) =>
        {
            var f = line.Split(',');
            if (f.Length != 3 || !double.TryParse(f[0], CultureInfo.InvariantCulture, out double s) || !double.TryParse(f[1], CultureInfo.InvariantCulture, out double e))
                throw new UserError($"{path}, row {i + 2}: expected start,end,word with times in seconds, got '{line}'.");
            return new SpokenWord(s, e, f[2]);
        }).ToArray();
    }
}

/// <summary>
/// Detections scored against the spoken keywords: a detection is a hit when it names a keyword spoken within
/// ±<c>tolerance</c> seconds of the detection's time (<see cref="LmuSharp.Audio.Detection.Time"/>, the keyword's estimated time, not
/// the decision's; between start − tolerance and end + tolerance), each keyword hit at most once; every
/// other detection is a false alarm. Precision = hits / detections, recall = hits / keywords, F1 their harmonic mean.
/// </summary>
sealed record KwsScore(int Keywords, int Detections, int Hits, int FalseAlarms, double Hours)
{
    public double Precision => Detections == 0 ? 0 : (double)Hits / Detections;
    public double Recall => Keywords == 0 ? 0 : (double)Hits / Keywords;
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);
    public double FalseAlarmsPerHour => FalseAlarms / Hours;

    public static KwsScore Of(IReadOnlyList<LmuSharp.Audio.Detection> detections, IReadOnlyList<SpokenWord> truth, double seconds, double tolerance = 0.5)
    {
        var keywords = truth.Where(w => w.IsKeyword).ToArray();
        var used = new bool[keywords.Length];
        int hits = 0;
        foreach (var d in detections.OrderBy(d => d.Time))
        {
            int match = Array.FindIndex(keywords, k => k.Word == d.Keyword && d.Time >= k.Start - tolerance && d.Time <= k.End + tolerance);
            while (match >= 0 && used[match])
            {
                int next = Array.FindIndex(keywords, match + 1, k => k.Word == d.Keyword && d.Time >= k.Start - tolerance && d.Time <= k.End + tolerance);
                match = next;
            }
            if (match >= 0) { used[match] = true; hits++; }
        }
        return new KwsScore(keywords.Length, detections.Count, hits, detections.Count - hits, seconds / 3600);
    }
}
