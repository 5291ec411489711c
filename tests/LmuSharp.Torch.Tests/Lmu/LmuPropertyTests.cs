using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>FsCheck: random feed-forward configurations, every parallel mode equals the recurrence (float64).</summary>
public class LmuPropertyTests
{
    public sealed record Case(int Order, double Theta, int MemoryD, int Input, Discretizer Discretizer, bool Linear,
        bool ReturnSequences, LmuMode Mode, int Time, int Batch, bool WithLengths, bool Backwards, int Chunk, int Seed);

    static Gen<Case> Cases =>
        from order in Gen.Choose(1, 10)
        from theta in Gen.Choose(5, 60)
        from memoryD in Gen.Choose(1, 3)
        from input in Gen.Choose(1, 3)
        from discretizer in Gen.Elements(Discretizer.Zoh, Discretizer.Bilinear, Discretizer.Euler)
        from linear in Gen.Elements(true, false)
        from returnSequences in Gen.Elements(true, false)
        from mode in Gen.Elements(LmuMode.Auto, LmuMode.Fft, LmuMode.Raw, LmuMode.Chunked, LmuMode.Final)
        from time in Gen.Choose(1, 40)
        from batch in Gen.Choose(1, 3)
        from withLengths in Gen.Elements(true, false)
        from backwards in Gen.Elements(true, false)
        from chunk in Gen.Choose(1, 16)
        from seed in Gen.Choose(0, 1000)
        select new Case(order, discretizer == Discretizer.Euler ? Math.Max(theta, 4 * order + 1) : theta, memoryD, input, discretizer,
            linear, returnSequences, returnSequences && mode == LmuMode.Final ? LmuMode.Fft : mode, time, batch, withLengths, backwards, chunk, seed);

    [Property(MaxTest = 60)]
    public Property Parallel_equals_recurrence() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        manual_seed(c.Seed);
        var options = new LmuOptions(c.Input, c.Order, c.Theta)
        {
            MemoryD = c.MemoryD, Discretizer = c.Discretizer, ReturnSequences = c.ReturnSequences, GoBackwards = c.Backwards, UseBias = true,
            Hidden = c.Linear ? HiddenCell.Linear : HiddenCell.None, HiddenSize = c.Linear ? 3 : 0, InputToHidden = c.Linear,
        };
        using var layer = new Lmu(options, new LmuComputation(c.Mode) { ChunkLength = c.Chunk });
        layer.to(ScalarType.Float64).eval();
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        using var x = Randn(ScalarType.Float64, c.Batch, c.Time, c.Input);
        using var lengths = c.WithLengths ? randint(1, c.Time + 1, [c.Batch]) : null;
        var (y, s) = layer.forward(x, null, lengths);
        var (yRef, sRef) = seq.forward(x, null, lengths);
        return MaxAbs(y, yRef) <= 1e-10 && MaxAbs(s.Memory, sRef.Memory) <= 1e-9;
    });
}
