using LmuSharp.Audio;

namespace LmuSharp.Cli.Tests.Kws;

public class KeywordSpotterTests
{
    static Dictionary<string, string> Metadata(LogMelOptions o) => new()
    {
        ["kws.labels"] = "_silence_,_unknown_,yes,no", ["kws.sample_rate"] = "16000", ["kws.window"] = $"{o.WindowLength}", ["kws.hop"] = $"{o.Hop}",
        ["kws.fft"] = $"{o.FftSize}", ["kws.bands"] = $"{o.Bands}", ["kws.low_hz"] = "20", ["kws.high_hz"] = "7600", ["kws.floor"] = "1E-06",
        ["kws.feature_mean"] = string.Join(",", Enumerable.Repeat("0", o.Bands)), ["kws.feature_scale"] = string.Join(",", Enumerable.Repeat("1", o.Bands)),
    };

    /// <summary>
    /// A stand-in model that "hears" a keyword as a loud tone: its loudest band in the lower half says yes, in the
    /// upper half no. The detector's framing, smoothing, threshold, refractory period and times are what is tested.
    /// </summary>
    static void Step(ReadOnlySpan<float> features, Span<float> logits)
    {
        logits.Clear();
        int loudest = 0;
        for (int b = 1; b < features.Length; b++) if (features[b] > features[loudest]) loudest = b;
        logits[features[loudest] < 0 ? 0 : loudest < features.Length / 2 ? 2 : 3] = 10;
    }

    [Fact]
    public void Finds_the_keywords_it_was_given_once_each_at_their_times()
    {
        var o = new LogMelOptions();
        int rate = o.SampleRate;
        var audio = new float[20 * rate];
        (double Time, double Hz, string Word)[] given = [(2.0, 300, "yes"), (6.5, 5000, "no"), (12.25, 300, "yes")];
        foreach (var (time, hz, _) in given)
            for (int i = 0; i < rate / 2; i++) audio[(int)(time * rate) + i] = (float)(0.5 * Math.Sin(2 * Math.PI * hz * i / rate));
        var spotter = new KeywordSpotter(Metadata(o), o.Bands, 4, Step, new KeywordSpotterOptions(SmoothingFrames: 4, Threshold: 0.7f, RefractorySeconds: 1));
        var found = new List<Detection>();
        var random = new Random(5);
        for (int at = 0; at < audio.Length;)
        {
            int chunk = Math.Min(random.Next(100, 4000), audio.Length - at);
            found.AddRange(spotter.Push(audio.AsSpan(at, chunk)));
            at += chunk;
        }
        Assert.Equal(given.Select(g => g.Word), found.Select(d => d.Keyword));
        double hop = (double)o.Hop / rate, window = (double)o.WindowLength / rate;
        for (int i = 0; i < given.Length; i++)
        {
            // the smoothed posterior is 1/4 ≥ OnsetLevel in the first frame that hears the tone and 3/4 > 0.7 two frames later
            Assert.InRange(found[i].Time, given[i].Time, given[i].Time + window + hop);
            Assert.Equal(2 * hop, found[i].DecisionTime - found[i].Time, 9);
        }
        Assert.Equal(20.0, spotter.Seconds, 1);
    }

    [Fact]
    public void A_detection_is_dated_to_the_rise_of_its_posterior_at_most_the_lookback_before_the_decision()
    {
        var o = new LogMelOptions();
        // Posterior of "yes" per frame (no smoothing): a rise to 0.3 (above the onset level 0.2, under the threshold 0.7) that
        // lasts 2 s before the decision, then one that lasts 10 frames; silence between.
        float Yes(long f) => f switch { >= 100 and < 200 => 0.3f, >= 200 and < 205 => 0.99f, >= 400 and < 410 => 0.3f, >= 410 and < 415 => 0.99f, _ => 0.001f };
        long frame = 0;
        void Scripted(ReadOnlySpan<float> features, Span<float> logits)
        {
            float yes = Yes(frame++);
            logits[0] = MathF.Log(0.99f - yes); logits[1] = MathF.Log(0.005f); logits[2] = MathF.Log(yes); logits[3] = MathF.Log(0.005f);
        }
        var spotter = new KeywordSpotter(Metadata(o), o.Bands, 4, Scripted, new KeywordSpotterOptions(SmoothingFrames: 1, Threshold: 0.7f, RefractorySeconds: 1, OnsetLevel: 0.2f));
        var found = spotter.Push(new float[500 * o.Hop + o.WindowLength]).ToArray();
        double End(long f) => (double)(f * o.Hop + o.WindowLength) / o.SampleRate;
        int lookback = (int)Math.Round(KeywordSpotter.LookbackSeconds * o.SampleRate / o.Hop);
        Assert.Equal(["yes", "yes"], found.Select(d => d.Keyword));
        Assert.Equal((End(200 - lookback), End(200)), (found[0].Time, found[0].DecisionTime));
        Assert.Equal((End(400), End(410)), (found[1].Time, found[1].DecisionTime));
    }

    [Fact]
    public void An_onset_level_outside_0_to_1_is_refused()
    {
        var o = new LogMelOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeywordSpotter(Metadata(o), o.Bands, 4, Step, new KeywordSpotterOptions(OnsetLevel: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeywordSpotter(Metadata(o), o.Bands, 4, Step, new KeywordSpotterOptions(OnsetLevel: 1)));
    }

    [Fact]
    public void A_model_without_keyword_metadata_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => new KeywordSpotter(new Dictionary<string, string>(), 40, 12, Step));
        Assert.Contains("not a keyword-spotting model", e.Message);
        var o = new LogMelOptions();
        Assert.Contains("12 outputs per step for 4 labels", Assert.Throws<InvalidDataException>(() => new KeywordSpotter(Metadata(o), 40, 12, Step)).Message);
    }
}
