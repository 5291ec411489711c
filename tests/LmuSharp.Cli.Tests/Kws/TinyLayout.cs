using LmuSharp.Audio;
using LmuSharp.Cli.Data.Kws;

namespace LmuSharp.Cli.Tests.Kws;

/// <summary>
/// A tiny Speech Commands layout written without a synthesiser: every clip is a short tone. Speakers "a…"
/// are in training, "b…" in validation_list.txt, "c…" in testing_list.txt; two non-keyword words; one noise file.
/// </summary>
sealed class TinyLayout : IDisposable
{
    public string Root { get; } = LmuProcess.TempDirectory();

    public TinyLayout(int speakersPerSplit = 3, string[]? unknownWords = null)
    {
        var validation = new List<string>();
        var testing = new List<string>();
        foreach (var word in SpeechCommands.Keywords.Concat(unknownWords ?? ["bed", "cat"]))
            for (int s = 0; s < 3 * speakersPerSplit; s++)
            {
                char split = "abc"[s / speakersPerSplit];
                var relative = $"{word}/{split}{s:d3}_nohash_0.wav";
                WavFile.Write(Path.Combine(Root, relative), Tone(200 + 50 * s, 8000), SpeechCommands.SampleRate);
                if (split == 'b') validation.Add(relative);
                if (split == 'c') testing.Add(relative);
            }
        WavFile.Write(Path.Combine(Root, SpeechCommands.NoiseFolder, "white_noise.wav"), Tone(1234, 3 * SpeechCommands.SampleRate), SpeechCommands.SampleRate);
        File.WriteAllLines(Path.Combine(Root, SpeechCommands.ValidationList), validation);
        File.WriteAllLines(Path.Combine(Root, SpeechCommands.TestingList), testing);
    }

    public static float[] Tone(double hz, int samples) =>
        Enumerable.Range(0, samples).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / SpeechCommands.SampleRate))).ToArray();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
