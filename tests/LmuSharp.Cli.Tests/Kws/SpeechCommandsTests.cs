using LmuSharp.Cli.Data.Kws;

namespace LmuSharp.Cli.Tests.Kws;

public class SpeechCommandsTests
{
    static string Split(KwsExample e) => Path.GetFileName(e.Path)[0].ToString();

    [Fact]
    public void Splits_follow_the_lists_and_the_twelve_class_protocol()
    {
        using var layout = new TinyLayout(speakersPerSplit: 10);
        var splits = SpeechCommands.Read(layout.Root, seed: 3);
        int silence = Array.IndexOf(SpeechCommands.Labels, SpeechCommands.Silence), unknown = Array.IndexOf(SpeechCommands.Labels, SpeechCommands.Unknown);
        foreach (var (examples, speaker) in new[] { (splits.Train, "a"), (splits.Validation, "b"), (splits.Test, "c") })
        {
            var words = examples.Where(e => e.Label != silence).ToArray();
            Assert.All(words, e => Assert.Equal(speaker, Split(e)));                               // each file in its listed split
            int known = words.Count(e => e.Label != unknown);
            Assert.Equal(10 * 10, known);                                                          // every keyword clip of the split
            Assert.Equal((int)Math.Ceiling(known * 0.1), examples.Count(e => e.Label == unknown)); // _unknown_: 10%, sub-sampled from 20
            Assert.Equal((int)Math.Ceiling(known * 0.1), examples.Count(e => e.Label == silence)); // _silence_: 10%
            Assert.All(words.Where(e => e.Label != unknown), e =>
                Assert.Equal(SpeechCommands.Labels[e.Label], Path.GetFileName(Path.GetDirectoryName(e.Path))));
            Assert.All(words.Where(e => e.Label == unknown), e =>
                Assert.Contains(Path.GetFileName(Path.GetDirectoryName(e.Path)), new[] { "bed", "cat" }));
            Assert.All(examples.Where(e => e.Label == silence), e =>
            {
                Assert.InRange(e.NoiseOffset, 0, 2 * SpeechCommands.SampleRate);
                Assert.InRange(e.NoiseGain, 0f, 1f);
            });
        }
        Assert.Equal(splits.Test.Select(e => e.Path), SpeechCommands.Read(layout.Root, seed: 3).Test.Select(e => e.Path)); // seeded
    }

    [Fact]
    public void A_larger_training_unknown_share_changes_the_training_split_only()
    {
        using var layout = new TinyLayout(speakersPerSplit: 10);
        var protocol = SpeechCommands.Read(layout.Root, seed: 3);
        var more = SpeechCommands.Read(layout.Root, seed: 3, trainingUnknownPercent: 15);
        int unknown = Array.IndexOf(SpeechCommands.Labels, SpeechCommands.Unknown);
        Assert.Equal(15, more.Train.Count(e => e.Label == unknown));     // 15% of 100 keyword clips, of the 20 there are
        Assert.Equal(10, protocol.Train.Count(e => e.Label == unknown));
        Assert.Equal(protocol.Train.Where(e => e.Label != unknown), more.Train.Where(e => e.Label != unknown));
        Assert.Equal(protocol.Validation, more.Validation);
        Assert.Equal(protocol.Test, more.Test);
    }

    [Fact]
    public void Clips_load_as_one_second_and_silence_as_a_scaled_noise_cut()
    {
        using var layout = new TinyLayout(speakersPerSplit: 1);
        var splits = SpeechCommands.Read(layout.Root);
        var word = SpeechCommands.LoadClip(splits.Train.First(e => e.NoiseOffset < 0));
        Assert.Equal(16_000, word.Length);
        Assert.All(word[8000..], s => Assert.Equal(0f, s)); // a 0.5 s clip is zero-padded
        var cut = splits.Train.First(e => e.NoiseOffset >= 0);
        var noise = TinyLayout.Tone(1234, 3 * 16_000);
        var clip = SpeechCommands.LoadClip(cut);
        Assert.Equal(noise[cut.NoiseOffset + 100] * cut.NoiseGain, clip[100], 1e-4f);
    }

    [Fact]
    public void A_missing_keyword_folder_an_empty_class_or_a_missing_list_is_one_clear_error()
    {
        using (var layout = new TinyLayout(speakersPerSplit: 1))
        {
            Directory.Delete(Path.Combine(layout.Root, "stop"), recursive: true);
            Assert.Contains("the keyword folder 'stop/' is missing", Assert.Throws<UserError>(() => SpeechCommands.Read(layout.Root)).Message);
        }
        using (var layout = new TinyLayout(speakersPerSplit: 1))
        {
            foreach (var f in Directory.GetFiles(Path.Combine(layout.Root, "go"))) File.Delete(f);
            Assert.Contains("the class 'go' is empty", Assert.Throws<UserError>(() => SpeechCommands.Read(layout.Root)).Message);
        }
        using (var layout = new TinyLayout(speakersPerSplit: 1))
        {
            File.Delete(Path.Combine(layout.Root, SpeechCommands.TestingList));
            Assert.Contains("testing_list.txt: missing", Assert.Throws<UserError>(() => SpeechCommands.Read(layout.Root)).Message);
        }
        Assert.Contains("is not a folder", Assert.Throws<UserError>(() => SpeechCommands.Read("/nonexistent/kws")).Message);
    }

    [Fact]
    public void A_clip_at_another_rate_names_the_file()
    {
        using var layout = new TinyLayout(speakersPerSplit: 1);
        var path = Path.Combine(layout.Root, "yes", "a000_nohash_0.wav");
        LmuSharp.Audio.WavFile.Write(path, new float[800], 8000);
        var e = Assert.Throws<InvalidDataException>(() => SpeechCommands.LoadClip(new KwsExample(path, 2)));
        Assert.Contains("a000_nohash_0.wav: sample rate 8000 Hz; expected 16000 Hz", e.Message);
    }
}
