using LmuSharp.Audio;

namespace LmuSharp.Cli.Data.Kws;

/// <summary>The size and seed of a synthetic corpus.</summary>
sealed record KwsSynthOptions
{
    public int Seed { get; init; } = 1;
    public int TrainSpeakers { get; init; } = 400;
    public int ValidationSpeakers { get; init; } = 24;
    public int TestSpeakers { get; init; } = 40;
    /// <summary>How often each speaker says each keyword.</summary>
    public int Repeats { get; init; } = 2;
    /// <summary>Non-keyword words each speaker says (once each).</summary>
    public int UnknownWordsPerSpeaker { get; init; } = 8;
    /// <summary>Length of each _background_noise_ file.</summary>
    public int NoiseSeconds { get; init; } = 60;
    /// <summary>Training speakers' formants move by a vocal-tract factor in [1 − p, 1 + p] (each formant by up to p/2 more); 0 (the default): the stock variants.</summary>
    public double VoicePerturbation { get; init; }
}

/// <summary>A synthetic speaker: an espeak-ng accent and voice variant, with a base rate and pitch, and its formant factors when its voice is derived from the variant.</summary>
sealed record Speaker(string Id, string Accent, string Variant, int Rate, int Pitch, double VocalTract = 1, double[]? FormantFactors = null)
{
    /// <summary>The espeak-ng variant it speaks with: the stock one, or the one derived for it (<see cref="EspeakVoices"/>).</summary>
    public string VoiceVariant => FormantFactors is null ? Variant : $"lmu-{Id}";
    public string Voice => $"{Accent}+{VoiceVariant}";
}

/// <summary>
/// Writes a keyword corpus in the Speech Commands v2 layout with espeak-ng: speakers are (accent, variant, base
/// rate, base pitch); every utterance jitters rate (±15 wpm), pitch (±10) and gain (peak 0.05–0.9), sits at a
/// random offset in its 1 s clip and is mixed with a cut of generated noise at a random SNR (5–30 dB). The voice
/// variants are split three ways, so the validation and test speakers use variants never heard in training. With
/// <see cref="KwsSynthOptions.VoicePerturbation"/> &gt; 0 each training speaker's voice is its variant with the formants moved,
/// so that training hears more vocal tracts than the training variants have (off by default: on held-out voices it did not
/// help, docs/RESULTS.md); validation and test speakers always use the stock variants.
/// Everything is drawn from the seed: the same options write the same corpus.
/// </summary>
sealed class KwsSynthesizer(KwsSynthOptions options)
{
    /// <summary>espeak-ng's English accents.</summary>
    public static IReadOnlyList<string> Accents { get; } = ["en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029", "en-us-nyc"];

    /// <summary>espeak-ng's human-sounding voice variants (the robotic and whispering ones left out).</summary>
    public static IReadOnlyList<string> Variants { get; } =
    [
        "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5", "Alex", "Alicia", "Andrea", "Andy", "Annie",
        "Denis", "Diogo", "Gene", "Henrique", "Hugo", "Jacky", "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "Storm",
        "adam", "anika", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb", "croak", "david", "ed", "edward",
        "grandma", "grandpa", "gustave", "iven", "john", "klatt", "klatt2", "klatt3", "linda", "max", "michel", "miguel",
        "norbert", "pablo", "paul", "pedro", "quincy", "rob", "robert", "sandro", "shelby", "steph", "travis", "victor", "zac",
    ];

    /// <summary>The non-keyword words of Speech Commands v2.</summary>
    public static IReadOnlyList<string> UnknownWords { get; } =
    [
        "bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin", "nine", "one", "seven", "sheila",
        "six", "three", "tree", "two", "wow", "zero", "backward", "forward", "follow", "learn", "visual",
    ];

    const int Rate = SpeechCommands.SampleRate;

    /// <summary>The variants of each split: [train, validation, test], drawn from the seed (test ≈ 20%, validation ≈ 12%).</summary>
    public (string[] Train, string[] Validation, string[] Test) VariantSplits()
    {
        var shuffled = Variants.ToArray();
        new Random(options.Seed).Shuffle(shuffled);
        int test = shuffled.Length / 5, validation = shuffled.Length / 8;
        return (shuffled[(test + validation)..], shuffled[test..(test + validation)], shuffled[..test]);
    }

    /// <summary>The speakers of a split (0 train, 1 validation, 2 test).</summary>
    public IReadOnlyList<Speaker> Speakers(int split)
    {
        var (train, validation, test) = VariantSplits();
        var pool = split switch { 0 => train, 1 => validation, _ => test };
        int count = split switch { 0 => options.TrainSpeakers, 1 => options.ValidationSpeakers, _ => options.TestSpeakers };
        var random = new Random(StableSeed($"{options.Seed}/speakers/{split}"));
        var speakers = Enumerable.Range(0, count).Select(i => new Speaker($"{split}{i:x3}{random.Next(0x10000):x4}",
            Accents[random.Next(Accents.Count)], pool[i % pool.Length], random.Next(130, 201), random.Next(25, 76))).ToArray();
        return split == 0 && options.VoicePerturbation > 0 ? speakers.Select(Perturbed).ToArray() : speakers;
    }

    /// <summary>The speaker with formant factors drawn from its own seed (so the other splits and fields do not change with the option).</summary>
    Speaker Perturbed(Speaker speaker)
    {
        var random = new Random(StableSeed($"{options.Seed}/{speaker.Id}/voice"));
        double p = options.VoicePerturbation;
        double Uniform(double half) => 1 + half * (2 * random.NextDouble() - 1);
        return speaker with { VocalTract = Uniform(p), FormantFactors = Enumerable.Range(0, 9).Select(_ => Uniform(p / 2)).ToArray() };
    }

    /// <summary>The generated background noises, one per kind, as written to _background_noise_.</summary>
    public IReadOnlyList<(string Name, float[] Samples)> Noises() =>
        NoiseGenerator.Kinds.Select((kind, k) => ($"{kind}_noise", NoiseGenerator.Make(kind, options.NoiseSeconds * Rate, Rate, new Random(options.Seed * 31 + k)))).ToArray();

    /// <summary>One utterance of a word by a speaker, trimmed of the synthesiser's leading and trailing silence, with rate, pitch and gain jitter;
    /// <paramref name="voices"/> holds the derived voices, needed for a speaker with formant factors.</summary>
    public static float[] Utter(string word, Speaker speaker, Random random, EspeakVoices? voices = null)
    {
        if (speaker.FormantFactors is not null && voices is null) throw new ArgumentException($"speaker {speaker.Id} has a derived voice: pass the voices.", nameof(voices));
        int rate = Math.Clamp(speaker.Rate + random.Next(-15, 16), 80, 400), pitch = Math.Clamp(speaker.Pitch + random.Next(-10, 11), 0, 99);
        var speech = Trim(Espeak.Say(word, speaker.Voice, rate, pitch, Rate, speaker.FormantFactors is null ? null : voices!.DataPathOf(speaker.VoiceVariant)));
        float peak = speech.Length == 0 ? 1 : speech.Max(Math.Abs);
        float gain = (float)(0.05 + 0.85 * random.NextDouble()) / Math.Max(peak, 1e-6f);
        for (int i = 0; i < speech.Length; i++) speech[i] *= gain;
        return speech;
    }

    /// <summary>Adds a random cut of a random noise at a random SNR (5–30 dB against the speech's RMS) to <paramref name="clip"/>.</summary>
    public static void AddNoise(Span<float> clip, ReadOnlySpan<float> speech, IReadOnlyList<(string Name, float[] Samples)> noises, Random random)
    {
        var noise = noises[random.Next(noises.Count)].Samples;
        int start = random.Next(noise.Length - clip.Length);
        double speechRms = Math.Sqrt(speech.ToArray().Average(s => (double)s * s) + 1e-12);
        double noiseRms = Math.Sqrt(noise.AsSpan(start, clip.Length).ToArray().Average(s => (double)s * s) + 1e-12);
        double snr = 5 + 25 * random.NextDouble();
        float scale = (float)(speechRms / Math.Pow(10, snr / 20) / noiseRms);
        for (int i = 0; i < clip.Length; i++) clip[i] = Math.Clamp(clip[i] + scale * noise[start + i], -1f, 1f);
    }

    /// <summary>Writes the corpus to <paramref name="root"/>; <paramref name="progress"/> receives (done, total) clips.</summary>
    public void Write(string root, Action<int, int> progress)
    {
        Directory.CreateDirectory(root);
        var noises = Noises();
        foreach (var (name, samples) in noises) WavFile.Write(Path.Combine(root, SpeechCommands.NoiseFolder, name + ".wav"), samples, Rate);
        var jobs = new List<(Speaker Speaker, int Split, string Word, int Take)>();
        for (int split = 0; split < 3; split++)
            foreach (var speaker in Speakers(split))
            {
                var random = new Random(StableSeed($"{options.Seed}/{speaker.Id}/words"));
                foreach (var word in SpeechCommands.Keywords)
                    for (int take = 0; take < options.Repeats; take++) jobs.Add((speaker, split, word, take));
                foreach (var word in UnknownWords.OrderBy(_ => random.Next()).Take(options.UnknownWordsPerSpeaker)) jobs.Add((speaker, split, word, 0));
            }
        using var voices = new EspeakVoices();
        foreach (var speaker in jobs.Select(j => j.Speaker).Distinct().Where(s => s.FormantFactors is not null))
            voices.Derive(speaker.VoiceVariant, speaker.Variant, speaker.VocalTract, speaker.FormantFactors!);
        int done = 0;
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            var random = new Random(StableSeed($"{options.Seed}/{job.Speaker.Id}/{job.Word}/{job.Take}"));
            var speech = Utter(job.Word, job.Speaker, random, voices);
            var clip = new float[SpeechCommands.ClipSamples];
            var used = speech.AsSpan(0, Math.Min(speech.Length, clip.Length));
            used.CopyTo(clip.AsSpan(random.Next(clip.Length - used.Length + 1)));
            AddNoise(clip, used, noises, random);
            WavFile.Write(Path.Combine(root, job.Word, $"{job.Speaker.Id}_nohash_{job.Take}.wav"), clip, Rate);
            progress(Interlocked.Increment(ref done), jobs.Count);
        });
        string List(int split) => string.Concat(jobs.Where(j => j.Split == split).Select(j => $"{j.Word}/{j.Speaker.Id}_nohash_{j.Take}.wav\n").Order(StringComparer.Ordinal));
        LmuSharp.IO.AtomicFile.WriteAllText(Path.Combine(root, SpeechCommands.ValidationList), List(1));
        LmuSharp.IO.AtomicFile.WriteAllText(Path.Combine(root, SpeechCommands.TestingList), List(2));
        var (train, validation, test) = VariantSplits();
        LmuSharp.IO.AtomicFile.WriteAllText(Path.Combine(root, "VOICES.txt"),
            $"espeak-ng voice variants by split (accents: {string.Join(", ", Accents)}{(options.VoicePerturbation > 0 ? $"; training voices' formants moved by up to ±{options.VoicePerturbation:P0}" : "")})\ntrain: {string.Join(" ", train)}\nvalidation: {string.Join(" ", validation)}\ntest: {string.Join(" ", test)}\n");
    }

    /// <summary>A seed from a text, the same in every process (string.GetHashCode and HashCode are randomised per process): FNV-1a.</summary>
    public static int StableSeed(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = (hash ^ c) * 16777619;
        return (int)(hash & int.MaxValue);
    }

    /// <summary>Drops leading and trailing samples below 2% of the peak.</summary>
    static float[] Trim(float[] speech)
    {
        if (speech.Length == 0) return speech;
        float threshold = 0.02f * speech.Max(Math.Abs);
        int start = Array.FindIndex(speech, s => Math.Abs(s) > threshold), end = Array.FindLastIndex(speech, s => Math.Abs(s) > threshold);
        return start < 0 ? [] : speech[start..(end + 1)];
    }
}
