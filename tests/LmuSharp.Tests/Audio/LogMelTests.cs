using LmuSharp.Audio;
using NWaves.Filters.Fda;

namespace LmuSharp.Tests.Audio;

public class LogMelTests
{
    static float[] Noise(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * 0.3f).ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Streaming_in_random_chunks_gives_the_batch_frames(int seed)
    {
        var audio = Noise(16_000 * 2 + 123, seed);
        var batch = new LogMelFrontend().Compute(audio);
        var stream = new LogMelStream();
        var streamed = new List<float>();
        var random = new Random(seed + 100);
        for (int at = 0; at < audio.Length;)
        {
            int chunk = Math.Min(random.Next(1, 1500), audio.Length - at); // chunks smaller and larger than a hop and a window
            stream.Push(audio.AsSpan(at, chunk), frame => streamed.AddRange(frame.ToArray()));
            at += chunk;
        }
        Assert.Equal(new LogMelOptions().FrameCount(audio.Length), (int)stream.Frames);
        Assert.Equal(batch, streamed.ToArray()); // the same code on the same samples: equal, not only close
    }

    [Fact]
    public void A_one_second_clip_gives_49_frames_of_40_bands()
    {
        var options = new LogMelOptions();
        Assert.Equal(49, options.FrameCount(16_000));
        Assert.Equal(49 * 40, new LogMelFrontend().Compute(new float[16_000]).Length);
    }

    [Fact]
    public void Frame_equals_an_independent_dft_through_the_mel_filters()
    {
        var o = new LogMelOptions();
        var window = Noise(o.WindowLength, 7);
        var features = new float[o.Bands];
        new LogMelFrontend().ComputeFrame(window, features);

        // Independent: Hann window written out, a direct O(N²) DFT in double, the same mel filter bank.
        int n = o.FftSize;
        var power = new double[n / 2 + 1];
        for (int k = 0; k <= n / 2; k++)
        {
            double re = 0, im = 0;
            for (int t = 0; t < o.WindowLength; t++)
            {
                double w = 0.5 - 0.5 * Math.Cos(2 * Math.PI * t / (o.WindowLength - 1));
                re += w * window[t] * Math.Cos(2 * Math.PI * k * t / n);
                im -= w * window[t] * Math.Sin(2 * Math.PI * k * t / n);
            }
            power[k] = re * re + im * im;
        }
        var bank = FilterBanks.Triangular(n, o.SampleRate, FilterBanks.MelBands(o.Bands, o.SampleRate, o.LowHz, o.HighHz));
        for (int b = 0; b < o.Bands; b++)
        {
            double energy = 0;
            for (int k = 0; k <= n / 2; k++) energy += bank[b][k] * power[k];
            Assert.Equal(Math.Log(energy + o.Floor), features[b], 3);
        }
    }

    [Fact]
    public void A_pure_tone_peaks_in_the_band_around_its_frequency()
    {
        var o = new LogMelOptions();
        var tone = Enumerable.Range(0, o.WindowLength).Select(t => (float)Math.Sin(2 * Math.PI * 1000 * t / o.SampleRate)).ToArray();
        var features = new float[o.Bands];
        new LogMelFrontend().ComputeFrame(tone, features);
        int peak = Array.IndexOf(features, features.Max());
        var bands = FilterBanks.MelBands(o.Bands, o.SampleRate, o.LowHz, o.HighHz);
        Assert.InRange(1000.0, bands[peak].Item1, bands[peak].Item3);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => new LogMelFrontend(new LogMelOptions(FftSize: 600)));
        Assert.Contains("FftSize", e.Message);
        Assert.Throws<ArgumentException>(() => new LogMelFrontend(new LogMelOptions(Hop: 700)));
    }
}
