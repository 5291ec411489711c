using LmuSharp.Cli.Data.Kws;

namespace LmuSharp.Cli.Tests.Kws;

public class KwsSynthTests
{
    static readonly KwsSynthOptions Tiny = new() { TrainSpeakers = 2, ValidationSpeakers = 1, TestSpeakers = 1, Repeats = 1, UnknownWordsPerSpeaker = 1, NoiseSeconds = 2, VoicePerturbation = 0.1 };

    [Fact]
    public void Validation_and_test_voices_are_held_out_of_training()
    {
        var synth = new KwsSynthesizer(new KwsSynthOptions());
        var (train, validation, test) = synth.VariantSplits();
        Assert.Empty(train.Intersect(validation));
        Assert.Empty(train.Intersect(test));
        Assert.Empty(validation.Intersect(test));
        Assert.Equal(KwsSynthesizer.Variants.Order(), train.Concat(validation).Concat(test).Order());
        Assert.All(synth.Speakers(0), s => Assert.Contains(s.Variant, train));
        Assert.All(synth.Speakers(1), s => Assert.Contains(s.Variant, validation));
        Assert.All(synth.Speakers(2), s => Assert.Contains(s.Variant, test));
    }

    [Fact]
    public void The_same_seed_writes_the_same_corpus_in_the_speech_commands_layout()
    {
        var a = LmuProcess.TempDirectory();
        var b = LmuProcess.TempDirectory();
        try
        {
            new KwsSynthesizer(Tiny).Write(Path.Combine(a, "c"), (_, _) => { });
            new KwsSynthesizer(Tiny).Write(Path.Combine(b, "c"), (_, _) => { });
            var files = Directory.GetFiles(Path.Combine(a, "c"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(a, f)).Order().ToArray();
            Assert.Equal(files, Directory.GetFiles(Path.Combine(b, "c"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(b, f)).Order());
            Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f))));

            var splits = SpeechCommands.Read(Path.Combine(a, "c"));
            var testSpeaker = new KwsSynthesizer(Tiny).Speakers(2)[0].Id;
            Assert.All(splits.Test.Where(e => e.NoiseOffset < 0), e => Assert.StartsWith(testSpeaker, Path.GetFileName(e.Path)));
            Assert.Equal(10, splits.Test.Count(e => e.Label >= 2));    // each keyword once
            Assert.Equal(20, splits.Train.Count(e => e.Label >= 2));   // two speakers
            var clip = SpeechCommands.LoadClip(splits.Test.First(e => e.Label >= 2));
            Assert.Equal(16_000, clip.Length);
            Assert.True(clip.Max(Math.Abs) > 0.04f);                   // speech, not only noise
        }
        finally
        {
            Directory.Delete(a, true);
            Directory.Delete(b, true);
        }
    }
}
