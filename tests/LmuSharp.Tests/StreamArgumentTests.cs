using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>Out-of-range stream counts and indices are argument errors that report the value as given.</summary>
public class StreamArgumentTests
{
    static LmuModel Model()
    {
        var b = new RuntimeModelBuilder(2, 5).ParallelLmu(1, 8, 20, 4).Dense(2, "identity").Done();
        return LmuModel.FromWeights(b.Weights, b.Metadata);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue / 4)]
    public void A_batch_too_large_to_index_is_an_argument_error_naming_streams(int streams)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model().CreateBatch(streams));
        Assert.Equal("streams", e.ParamName);
        Assert.Contains("streams must lie in [1, ", e.Message);
    }

    [Fact]
    public void Stream_indices_out_of_range_are_reported_as_given()
    {
        var batch = Model().CreateBatch(2);
        var state = batch.SaveState(0);
        foreach (var call in new Action[] { () => batch.LoadState(-1, state), () => batch.SaveState(-1), () => batch.Reset(-1) })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Equal("stream", e.ParamName);
            Assert.Contains("-1", e.Message);
            Assert.DoesNotContain("4294967295", e.Message);
            Assert.Contains("[0, 1]", e.Message);
        }
        Assert.Contains("Actual value was 2", Assert.Throws<ArgumentOutOfRangeException>(() => batch.SaveState(2)).Message);
    }
}
