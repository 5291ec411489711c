using LmuSharp.Torch.Training;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests.Training;

public class DataUtilityTests
{
    /// <summary>Row t holds (t, 100 + t): each value names its row and column.</summary>
    static float[][] Rows(int count) => Enumerable.Range(0, count).Select(t => new float[] { t, 100 + t }).ToArray();

    [Fact]
    public void Windows_hold_the_window_rows_as_inputs_and_the_next_horizon_rows_as_targets()
    {
        var windows = new SlidingWindows(Window: 3, Horizon: 2, Stride: 2);
        var data = windows.Create(Rows(12), new RowRange(0, 12), inputs: [0, 1], targets: [1]);

        int[] starts = [0, 2, 4, 6]; // s + 3 + 2 ≤ 12
        Assert.Equal(new long[] { 4, 3, 2 }, data.Inputs.shape);
        Assert.Equal(new long[] { 4, 2 }, data.Targets.shape);
        for (int n = 0; n < starts.Length; n++)
        {
            for (int t = 0; t < 3; t++)
            {
                Assert.Equal(starts[n] + t, data.Inputs[n, t, 0].item<float>());
                Assert.Equal(100 + starts[n] + t, data.Inputs[n, t, 1].item<float>());
            }
            Assert.Equal(new float[] { 100 + starts[n] + 3, 100 + starts[n] + 4 }, data.Targets[n].data<float>().ToArray());
        }
    }

    [Fact]
    public void A_split_windows_targets_stay_in_its_rows_while_inputs_may_reach_into_the_past()
    {
        var windows = new SlidingWindows(Window: 4, Horizon: 3);
        var range = new RowRange(20, 30);
        var starts = windows.Starts(range).ToArray();
        Assert.Equal(Enumerable.Range(16, 8), starts); // targets [s+4, s+7) ⊂ [20, 30)
        Assert.All(starts, s => Assert.True(s + 4 >= range.Start && s + 7 <= range.End));

        var data = windows.Create(Rows(40), range, inputs: [0], targets: [0]);
        Assert.Equal(20f, data.Targets.min().item<float>());
        Assert.Equal(29f, data.Targets.max().item<float>());
        Assert.Equal(16f, data.Inputs.min().item<float>());
    }

    [Fact]
    public void Windows_of_several_series_never_cross_from_one_series_into_the_next()
    {
        var windows = new SlidingWindows(Window: 2, Horizon: 1);
        var a = Rows(5);
        var b = Rows(4).Select(r => new[] { r[0] + 1000, r[1] }).ToArray();
        var data = windows.Create([a, b], [new RowRange(0, 5), new RowRange(0, 4)], inputs: [0], targets: [0]);
        Assert.Equal(3 + 2, data.Count);
        var x = data.Inputs.squeeze(-1);
        for (int n = 0; n < data.Count; n++)
            Assert.Equal(1f, (x[n, 1] - x[n, 0]).item<float>()); // consecutive rows of one series
    }

    [Theory]
    [InlineData(100, 0.15, 0.15, 70, 85)]
    [InlineData(7, 0.0, 0.3, 5, 5)]
    public void Time_splits_are_contiguous_in_order_and_cover_the_series(int length, double validation, double test, int trainEnd, int validationEnd)
    {
        var (tr, va, te) = TimeSplit.Of(length, validation, test);
        Assert.Equal(new RowRange(0, trainEnd), tr);
        Assert.Equal(new RowRange(trainEnd, validationEnd), va);
        Assert.Equal(new RowRange(validationEnd, length), te);
    }

    [Fact]
    public void Padding_fills_zeros_past_each_length()
    {
        float[][] Sequence(int length, float value) => Enumerable.Range(0, length).Select(t => new[] { value + t, -value }).ToArray();
        var (inputs, lengths) = SequencePadding.Pad([Sequence(3, 1), Sequence(5, 10), Sequence(1, 20)], features: 2);
        Assert.Equal(new long[] { 3, 5, 2 }, inputs.shape);
        Assert.Equal(new long[] { 3, 5, 1 }, lengths.data<long>().ToArray());
        Assert.Equal(new float[] { 12, -10 }, inputs[1, 2].data<float>().ToArray());
        Assert.Equal(0f, inputs[0, 3..].abs().sum().item<float>());
        Assert.Equal(0f, inputs[2, 1..].abs().sum().item<float>());
        Assert.Throws<ArgumentException>(() => SequencePadding.Pad([Sequence(0, 1)], 2));

        var (ending, _) = SequencePadding.Pad([Sequence(3, 1), Sequence(5, 10)], features: 2, alignEnd: true);
        Assert.Equal(new float[] { 3, -1 }, ending[0, 4].data<float>().ToArray());
        Assert.Equal(0f, ending[0, ..2].abs().sum().item<float>());
        Assert.True(ending[1].allclose(inputs[1], rtol: 0, atol: 0));
    }
}
