using LmuSharp.Cli.Data.Kws;

namespace LmuSharp.Cli.Tests.Kws;

public class EspeakVoicesTests
{
    static readonly double[] Ones = Enumerable.Repeat(1.0, 9).ToArray();

    [Fact]
    public void A_derived_voice_scales_every_formant_frequency_and_keeps_the_rest_of_the_variant()
    {
        using var voices = new EspeakVoices();
        var factors = Ones.ToArray();
        factors[2] = 0.9;
        voices.Derive("lmu-test", "m3", 1.1, factors);
        var lines = File.ReadAllLines(Path.Combine(voices.DataPathOf("lmu-test"), "espeak-ng-data", "voices", "!v", "lmu-test"));
        // m3: "formant 1  96  97 100", "formant 2  96  97 100", "formant 0 100 100 100"; frequency × 1.1 (× 0.9 for formant 2), height and width kept
        Assert.Contains("formant 1 106  97 100", lines);
        Assert.Contains("formant 2 95  97 100", lines);
        Assert.Contains("formant 0 110 100 100", lines);
        Assert.Contains("name lmu-test", lines);
        Assert.Contains("pitch 80 122", lines);
        Assert.Equal(9, lines.Count(l => l.StartsWith("formant ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_variant_without_formant_lines_gets_them_and_espeak_speaks_the_derived_voice_differently()
    {
        using var voices = new EspeakVoices();
        voices.Derive("lmu-klatt", "klatt", 0.85, Ones);
        var lines = File.ReadAllLines(Path.Combine(voices.DataPathOf("lmu-klatt"), "espeak-ng-data", "voices", "!v", "lmu-klatt"));
        Assert.Equal(Enumerable.Range(0, 9).Select(k => $"formant {k} 85 100 100"), lines.Where(l => l.StartsWith("formant ", StringComparison.Ordinal)));
        Assert.Contains("klatt 1", lines);

        var stock = Espeak.Say("yes", "en+klatt", 160, 50, 16_000);
        var derived = Espeak.Say("yes", "en+lmu-klatt", 160, 50, 16_000, voices.DataPathOf("lmu-klatt"));
        var again = Espeak.Say("yes", "en+klatt", 160, 50, 16_000, voices.DataPathOf("lmu-klatt")); // the stock variant through the private folder
        Assert.Equal(stock, again);
        Assert.NotEqual(stock, derived);
        Assert.InRange(derived.Length, 0.8 * stock.Length, 1.25 * stock.Length); // the same word, not a fallback or an error
    }

    [Fact]
    public void Voice_perturbation_changes_the_training_speakers_only()
    {
        var plain = new KwsSynthesizer(new KwsSynthOptions { VoicePerturbation = 0 });
        var moved = new KwsSynthesizer(new KwsSynthOptions { VoicePerturbation = 0.15 });
        Assert.Equal(plain.Speakers(1), moved.Speakers(1));
        Assert.Equal(plain.Speakers(2), moved.Speakers(2));
        Assert.All(moved.Speakers(2), s => Assert.Null(s.FormantFactors));
        var train = moved.Speakers(0);
        Assert.Equal(plain.Speakers(0).Select(s => (s.Id, s.Accent, s.Variant, s.Rate, s.Pitch)), train.Select(s => (s.Id, s.Accent, s.Variant, s.Rate, s.Pitch)));
        Assert.All(train, s => Assert.InRange(s.VocalTract, 0.85, 1.15));
        Assert.All(train, s => Assert.All(s.FormantFactors!, f => Assert.InRange(f, 0.925, 1.075)));
        Assert.True(train.Select(s => s.VocalTract).Distinct().Count() > train.Count / 2);
    }

    [Fact]
    public void More_derived_voices_than_one_folder_takes_are_all_spoken()
    {
        using var voices = new EspeakVoices();
        int count = EspeakVoices.VoicesPerFolder + 1;
        for (int i = 0; i < count; i++) voices.Derive($"lmu-{i}", "m1", 1, Ones);
        Assert.NotEqual(voices.DataPathOf("lmu-0"), voices.DataPathOf($"lmu-{count - 1}"));
        var first = Espeak.Say("go", "en+lmu-0", 160, 50, 16_000, voices.DataPathOf("lmu-0"));
        var last = Espeak.Say("go", $"en+lmu-{count - 1}", 160, 50, 16_000, voices.DataPathOf($"lmu-{count - 1}"));
        Assert.Equal(first, last); // the same derived voice, found in either folder
    }
}
