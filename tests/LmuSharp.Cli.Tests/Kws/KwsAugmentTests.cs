using LmuSharp.Cli.Tasks.Kws;
using TorchSharp;

namespace LmuSharp.Cli.Tests.Kws;

public class KwsAugmentTests
{
    [Fact]
    public void The_time_stretch_reads_each_frame_at_its_scaled_distance_from_the_last()
    {
        const int frames = 49, bands = 3;
        double[] factors = [1.0, 0.85, 1.15];
        // frame t of clip c holds (t + 1)·(b + 1) + c: linear in t, so linear interpolation is exact
        var y = torch.tensor(Enumerable.Range(0, factors.Length).SelectMany(c => Enumerable.Range(0, frames).SelectMany(t =>
            Enumerable.Range(0, bands).Select(b => (float)((t + 1) * (b + 1) + c)))).ToArray(), [factors.Length, frames, bands]);
        using var stretched = KwsAugment.Stretch(y, torch.tensor(factors.Select(f => (float)f).ToArray(), [factors.Length, 1]));
        var got = stretched.data<float>().ToArray();
        for (int c = 0; c < factors.Length; c++)
            for (int t = 0; t < frames; t++)
            {
                double source = Math.Max(0, frames - 1 - factors[c] * (frames - 1 - t));
                for (int b = 0; b < bands; b++)
                    Assert.Equal((source + 1) * (b + 1) + c, got[(c * frames + t) * bands + b], 3);
            }
    }
}
