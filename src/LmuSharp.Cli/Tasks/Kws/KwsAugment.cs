namespace LmuSharp.Cli.Tasks.Kws;

/// <summary>
/// Training-time augmentation of normalised log-mel frames [batch, frames, bands], the identity in evaluation (like
/// dropout): per clip a shift of the spectrum by up to ±2 mel bands (vocal-tract-length perturbation, Jaitly &amp;
/// Hinton 2013: a new voice moves its formants), a level offset, a time stretch by a factor in [0.85, 1.15] (the tempo half of
/// speed perturbation, Ko et al. 2015; the band shift moves the spectrum as its other half does), and SpecAugment's masks (Park et al. 2019): one
/// band range and one frame range of up to 6 set to the mean. Then the last half second of another clip of the batch is
/// put before each clip, so the model learns, as it must when it runs on a stream and is never reset, to classify the
/// latest second whatever came before. Drawn from torch's generator, so a seeded run repeats.
/// </summary>
sealed class KwsAugment() : nn.Module<Tensor, Tensor>(nameof(KwsAugment))
{
    const int MaxShift = 2, MaxMask = 6, ContextFrames = 25;
    const double MaxStretch = 0.15;

    public override Tensor forward(Tensor x)
    {
        if (!training) return x.alias();
        using var scope = NewDisposeScope();
        long batch = x.shape[0], frames = x.shape[1], bands = x.shape[2];
        var shift = torch.randint(-MaxShift, MaxShift + 1, [batch, 1, 1]);
        var source = (torch.arange(bands).reshape(1, 1, bands) - shift).clamp(0, bands - 1).expand(batch, frames, bands);
        var y = x.gather(2, source) + (torch.rand([batch, 1, 1]) - 0.5);
        y = Stretch(y, 1 - MaxStretch + 2 * MaxStretch * torch.rand([batch, 1]));
        y = y * Mask(batch, bands, 2) * Mask(batch, frames, 1);
        var context = y.roll(1, 0).narrow(1, frames - Math.Min(ContextFrames, frames), Math.Min(ContextFrames, frames));
        return torch.cat([context, y], 1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Time stretch of [batch, frames, bands] by a factor a per clip [batch, 1], anchored at the last frame (the one classified):
    /// output frame t = input at position T − 1 − a·(T − 1 − t), linearly interpolated, the first frame where that lies before it.
    /// a &gt; 1 speeds the clip up, a &lt; 1 slows it down.
    /// </summary>
    internal static Tensor Stretch(Tensor y, Tensor factor)
    {
        using var scope = NewDisposeScope();
        long batch = y.shape[0], frames = y.shape[1], bands = y.shape[2];
        var position = (frames - 1 - (frames - 1 - torch.arange(frames, ScalarType.Float32).reshape(1, frames)) * factor).clamp(0, frames - 1);
        var below = position.floor().to(ScalarType.Int64);
        var above = (below + 1).clamp_max(frames - 1);
        var weight = (position - below.to(ScalarType.Float32)).unsqueeze(2);
        Tensor At(Tensor index) => y.gather(1, index.unsqueeze(2).expand(batch, frames, bands));
        return (At(below) * (1 - weight) + At(above) * weight).MoveToOuterDisposeScope();
    }

    /// <summary>A 0/1 mask [batch, 1, size] or [batch, size, 1] hiding one random range of up to MaxMask along a dimension.</summary>
    static Tensor Mask(long batch, long size, int dim)
    {
        var width = torch.randint(0, MaxMask + 1, [batch, 1]);
        var start = (torch.rand([batch, 1]) * (size - width + 1)).floor().to(ScalarType.Int64);
        var position = torch.arange(size).reshape(1, size);
        var keep = (position.lt(start) | position.ge(start + width)).to(ScalarType.Float32);
        return dim == 2 ? keep.unsqueeze(1) : keep.unsqueeze(2);
    }
}
