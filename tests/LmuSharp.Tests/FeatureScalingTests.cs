using LmuSharp.Data;

namespace LmuSharp.Tests;

public class FeatureScalingTests
{
    static readonly string[] Names = ["load, MW", "temp"];
    static readonly float[][] Training = [[10, -1], [20, 1], [30, 3], [40, 5]];

    [Fact]
    public void Fitted_scaling_standardises_the_training_rows()
    {
        var scaling = FeatureScaling.Fit(Names, Training);
        Assert.Equal(new[] { 25.0, 2.0 }, scaling.Means);
        Assert.Equal(Math.Sqrt(125), scaling.Deviations[0], 12); // √(((15² + 5²) · 2) / 4)
        Assert.Equal(Math.Sqrt(5), scaling.Deviations[1], 12);

        var z = Training.SelectMany(r => r).ToArray();
        scaling.Normalize(z);
        for (int f = 0; f < 2; f++)
        {
            var column = z.Where((_, i) => i % 2 == f).ToArray();
            Assert.Equal(0, column.Average(), 6);
            Assert.Equal(1, Math.Sqrt(column.Average(v => v * v)), 6);
        }
        scaling.Denormalize(z);
        Assert.Equal(Training.SelectMany(r => r), z.Select(v => (float)Math.Round(v, 4)));
    }

    [Fact]
    public void Normalized_returns_a_normalised_copy_and_leaves_the_row()
    {
        var scaling = FeatureScaling.Fit(Names, Training);
        float[] row = [30, 3];
        var z = scaling.Normalized(row);
        Assert.Equal(new float[] { 30, 3 }, row);
        Assert.Equal(5 / Math.Sqrt(125), z[0], 6);
        Assert.Equal(1 / Math.Sqrt(5), z[1], 6);
    }

    [Fact]
    public void A_constant_column_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => FeatureScaling.Fit(Names, [[1, 7], [2, 7], [3, 7]]));
        Assert.Contains("'temp' is constant", e.Message);
    }

    [Fact]
    public void The_scaling_round_trips_through_metadata()
    {
        var scaling = FeatureScaling.Fit(Names, Training);
        var back = FeatureScaling.FromMetadata(scaling.ToMetadata("inputs"), "inputs")!;
        Assert.Equal(scaling.Names, back.Names);
        Assert.Equal(scaling.Means, back.Means);
        Assert.Equal(scaling.Deviations, back.Deviations);
        Assert.Null(FeatureScaling.FromMetadata(scaling.ToMetadata("inputs"), "targets"));
        var broken = new Dictionary<string, string>(scaling.ToMetadata("inputs")) { ["inputs.std"] = "[1]" };
        Assert.Throws<InvalidDataException>(() => FeatureScaling.FromMetadata(broken, "inputs"));
    }
}
