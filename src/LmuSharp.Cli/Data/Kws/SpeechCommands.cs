using LmuSharp.Audio;

namespace LmuSharp.Cli.Data.Kws;

/// <summary>One example of the 12-class protocol: a clip file (or a noise file and an offset for _silence_) and its class.</summary>
/// <param name="Path">The WAV file.</param>
/// <param name="Label">The class index into <see cref="SpeechCommands.Labels"/>.</param>
/// <param name="NoiseOffset">For _silence_: where the 1 s cut starts in the noise file, in samples; else −1.</param>
/// <param name="NoiseGain">For _silence_: the gain applied to the cut.</param>
sealed record KwsExample(string Path, int Label, int NoiseOffset = -1, float NoiseGain = 1);

/// <summary>The three splits of the protocol.</summary>
sealed record KwsSplits(IReadOnlyList<KwsExample> Train, IReadOnlyList<KwsExample> Validation, IReadOnlyList<KwsExample> Test);

/// <summary>
/// The Speech Commands v2 folder layout (Warden 2018) and its usual 12-class protocol, as TensorFlow's
/// speech_commands example builds it: <c>&lt;word&gt;/&lt;speaker&gt;_nohash_&lt;n&gt;.wav</c>; a file listed (relative
/// path) in <c>validation_list.txt</c> or <c>testing_list.txt</c> belongs to that split, every other to training;
/// classes _silence_, _unknown_ and the ten words yes … go; in each split _unknown_ is a seeded random 10% (of the
/// split's keyword clips) drawn from the other words, and _silence_ another 10% of 1 s cuts from
/// <c>_background_noise_/*.wav</c> at a random offset and gain in [0, 1].
/// </summary>
static class SpeechCommands
{
    public const int SampleRate = 16_000;
    public const int ClipSamples = SampleRate; // 1 s
    public const string Silence = "_silence_";
    public const string Unknown = "_unknown_";
    public const string NoiseFolder = "_background_noise_";
    public const string ValidationList = "validation_list.txt";
    public const string TestingList = "testing_list.txt";

    /// <summary>The ten keywords of the protocol.</summary>
    public static string[] Keywords { get; } = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"];

    /// <summary>The 12 classes in TensorFlow's order: _silence_, _unknown_, then the keywords.</summary>
    public static string[] Labels { get; } = [Silence, Unknown, .. Keywords];

    /// <summary>Reads the layout and draws the protocol's splits (seeded).</summary>
    /// <param name="root">The data set folder.</param>
    /// <param name="seed">Seeds the _unknown_ sub-sampling and the _silence_ cuts.</param>
    /// <param name="silencePercent">_silence_ examples per split, as a percentage of its keyword clips.</param>
    /// <param name="unknownPercent">_unknown_ examples per split, as a percentage of its keyword clips.</param>
    /// <param name="trainingUnknownPercent">The same for the training split alone (default: <paramref name="unknownPercent"/>); the
    /// validation and test splits do not depend on it.</param>
    /// <exception cref="UserError">A folder, list or class is missing or empty.</exception>
    public static KwsSplits Read(string root, int seed = 59185, double silencePercent = 10, double unknownPercent = 10, double? trainingUnknownPercent = null)
    {
        if (!Directory.Exists(root)) throw new UserError($"--data-dir: '{root}' is not a folder (expected the Speech Commands v2 layout; `lmu data kws-synth <dir>` writes one).");
        var validation = ReadList(root, ValidationList);
        var testing = ReadList(root, TestingList);
        var noise = NoiseFiles(root);
        var known = new List<KwsExample>[3] { [], [], [] };
        var unknown = new List<KwsExample>[3] { [], [], [] };
        var words = Directory.GetDirectories(root).Select(Path.GetFileName).Where(w => w != NoiseFolder && !w!.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        foreach (var keyword in Keywords)
            if (!words.Contains(keyword)) throw new UserError($"{root}: the keyword folder '{keyword}/' is missing (the 12-class protocol needs {string.Join(", ", Keywords)}).");
        foreach (var word in words)
        {
            var files = Directory.GetFiles(Path.Combine(root, word!), "*.wav").Order(StringComparer.Ordinal).ToList();
            int label = Array.IndexOf(Labels, word!);
            if (files.Count == 0 && label >= 0) throw new UserError($"{Path.Combine(root, word!)}: no .wav files: the class '{word}' is empty.");
            foreach (var file in files)
            {
                var relative = $"{word}/{Path.GetFileName(file)}";
                int split = testing.Contains(relative) ? 2 : validation.Contains(relative) ? 1 : 0;
                if (label >= 0) known[split].Add(new KwsExample(file, label));
                else unknown[split].Add(new KwsExample(file, Array.IndexOf(Labels, Unknown)));
            }
        }
        var random = new Random(seed);
        var splits = new List<KwsExample>[3];
        string[] names = ["training", "validation", "testing"];
        for (int s = 0; s < 3; s++)
        {
            if (known[s].Count == 0) throw new UserError($"{root}: the {names[s]} split holds no keyword clips (check {ValidationList} and {TestingList}).");
            int silence = (int)Math.Ceiling(known[s].Count * silencePercent / 100);
            int unknowns = (int)Math.Ceiling(known[s].Count * (s == 0 ? trainingUnknownPercent ?? unknownPercent : unknownPercent) / 100);
            var pool = unknown[s].ToArray();
            random.Shuffle(pool);
            if (unknowns > 0 && pool.Length == 0) throw new UserError($"{root}: the {names[s]} split has no clips of non-keyword words for the class {Unknown}.");
            splits[s] = [.. known[s], .. pool.Take(Math.Min(unknowns, pool.Length)), .. SilenceCuts(noise, silence, random)];
        }
        return new KwsSplits(splits[0], splits[1], splits[2]);
    }

    /// <summary>Loads one example as exactly 1 s of samples (zero-padded or cut at the end, as the protocol does).</summary>
    public static float[] LoadClip(KwsExample example)
    {
        var samples = WavFile.Read(example.Path, SampleRate);
        var clip = new float[ClipSamples];
        if (example.NoiseOffset < 0) samples.AsSpan(0, Math.Min(samples.Length, ClipSamples)).CopyTo(clip);
        else
            for (int i = 0; i < ClipSamples; i++) clip[i] = samples[example.NoiseOffset + i] * example.NoiseGain;
        return clip;
    }

    static HashSet<string> ReadList(string root, string name)
    {
        var path = Path.Combine(root, name);
        if (!File.Exists(path)) throw new UserError($"{path}: missing (the Speech Commands layout lists its split files there, one relative path a line).");
        return File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    static (string Path, int Samples)[] NoiseFiles(string root)
    {
        var folder = Path.Combine(root, NoiseFolder);
        if (!Directory.Exists(folder)) throw new UserError($"{folder}: missing (the _silence_ class is cut from its noise recordings).");
        var files = Directory.GetFiles(folder, "*.wav").Order(StringComparer.Ordinal)
            .Select(f => (f, WavFile.Read(f, SampleRate).Length)).Where(f => f.Length >= ClipSamples).ToArray();
        if (files.Length == 0) throw new UserError($"{folder}: no 16 kHz .wav file of at least 1 s to cut _silence_ clips from.");
        return files;
    }

    static IEnumerable<KwsExample> SilenceCuts((string Path, int Samples)[] noise, int count, Random random)
    {
        for (int i = 0; i < count; i++)
        {
            var (path, samples) = noise[random.Next(noise.Length)];
            yield return new KwsExample(path, Array.IndexOf(Labels, Silence), random.Next(samples - ClipSamples + 1), (float)random.NextDouble());
        }
    }
}
