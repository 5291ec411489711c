using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>
/// NaN and ±∞ in the runtime: refused in weights at load; in inputs refused (default), read as zero, or let
/// through, as the caller chooses; a refused step leaves every stream's state as it was.
/// </summary>
public class NonFiniteInputTests
{
    const int Streams = 3, Warm = 20, After = 30;

    static RuntimeModelBuilder Builder() => new RuntimeModelBuilder(2, 21).LmuCell(1, 8, 20, "lstm", 6).Dense(2, "identity").Done();

    static LmuModel Model() { var b = Builder(); return LmuModel.FromWeights(b.Weights, b.Metadata); }

    static float[] Inputs(int step) => Enumerable.Range(0, Streams * 2).Select(i => MathF.Sin(0.3f * step + i)).ToArray();

    /// <summary>Outputs of every step of a batch fed <paramref name="inputs"/> from step 0 on.</summary>
    static float[][] Run(LmuBatch batch, IEnumerable<float[]> inputs) =>
        inputs.Select(x => { var y = new float[Streams * batch.Model.OutputSize]; batch.Step(x, y); return y; }).ToArray();

    public static TheoryData<float> Bad => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(Bad))]
    public void A_non_finite_input_is_refused_naming_stream_and_index_and_changes_no_state(float bad)
    {
        var model = Model();
        var clean = model.CreateBatch(Streams);
        var hit = model.CreateBatch(Streams);
        Run(clean, Enumerable.Range(0, Warm).Select(Inputs));
        Run(hit, Enumerable.Range(0, Warm).Select(Inputs));
        var poisoned = Inputs(Warm);
        poisoned[2 * 2 + 1] = bad; // stream 2, input 1
        var e = Assert.Throws<ArgumentException>(() => hit.Step(poisoned, new float[Streams * model.OutputSize]));
        Assert.Equal("inputs", e.ParamName);
        Assert.Contains("stream 2, input 1", e.Message);

        var expected = Run(clean, Enumerable.Range(Warm, After).Select(Inputs));
        Assert.Equal(expected, Run(hit, Enumerable.Range(Warm, After).Select(Inputs)));
    }

    [Fact]
    public void A_single_stream_refuses_a_NaN_and_carries_on_unharmed()
    {
        var model = Model();
        var stream = model.CreateStream();
        var y = new float[model.OutputSize];
        Assert.Throws<ArgumentException>(() => stream.Step([float.NaN, 0], y));
        stream.Step([0.5f, -0.5f], y);
        var fresh = model.CreateStream();
        var expected = new float[model.OutputSize];
        fresh.Step([0.5f, -0.5f], expected);
        Assert.Equal(expected, y);
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public void Under_Zero_a_non_finite_input_is_read_as_zero_and_later_outputs_stay_finite(float bad)
    {
        var model = Model();
        var zeroed = model.CreateBatch(Streams);
        var reference = model.CreateBatch(Streams);
        zeroed.NonFiniteInputs = NonFiniteInput.Zero;
        var steps = Enumerable.Range(0, Warm + After).Select(Inputs).ToArray();
        var withZero = steps.Select(x => (float[])x.Clone()).ToArray();
        steps[Warm][1] = bad;
        withZero[Warm][1] = 0;
        var outputs = Run(zeroed, steps);
        Assert.Equal(Run(reference, withZero), outputs);
        Assert.All(outputs, y => Assert.All(y, v => Assert.True(float.IsFinite(v))));
        Assert.True(float.IsNaN(steps[Warm][1]) || float.IsInfinity(steps[Warm][1])); // the caller's buffer is not modified
    }

    [Fact]
    public void Under_Propagate_a_NaN_poisons_its_stream_until_reset()
    {
        var stream = Model().CreateStream();
        stream.NonFiniteInputs = NonFiniteInput.Propagate;
        var y = new float[2];
        stream.Step([float.NaN, 0], y);
        stream.Step([0, 0], y);
        Assert.True(float.IsNaN(y[0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NonFiniteInputs = (NonFiniteInput)7);
        
    }

    [Theory]
    [MemberData(nameof(Bad))]
    public void Load_refuses_a_weight_tensor_holding_a_non_finite_value_naming_it(float bad)
    {
        var b = Builder();
        b.Weights["layers.0.A_bar"][5] = bad;
        var e = Assert.Throws<InvalidDataException>(() => LmuModel.FromSafeTensors(b.ToFile()));
        Assert.Contains("tensor 'layers.0.A_bar' holds", e.Message);
        Assert.Contains("at element 5", e.Message);
    }
}
