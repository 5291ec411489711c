using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>
/// <see cref="LmuBatch"/> over several threads (maxDegreeOfParallelism): outputs and states bit-identical to one thread for
/// every architecture, stream count and degree; the same input checks, state handling and argument errors.
/// </summary>
public class ParallelBatchTests
{
    const int Steps = 60;

    static LmuModel Model(string architecture)
    {
        var b = RuntimeTests.Architectures[architecture]();
        return LmuModel.FromWeights(b.Weights, b.Metadata);
    }

    /// <summary>Step t's inputs for every stream, different per stream and step, in [−1, 1].</summary>
    static float[] Inputs(LmuModel model, int streams, int t) =>
        Enumerable.Range(0, streams * model.InputSize).Select(i => MathF.Sin(0.37f * t + 1.3f * i) * MathF.Cos(0.11f * t * (1 + i % 5))).ToArray();

    /// <summary>The outputs of <paramref name="steps"/> steps from step <paramref name="from"/> on, and every stream's saved state after them.</summary>
    static (float[][] Outputs, byte[][] States) Run(LmuBatch batch, int steps, int from = 0)
    {
        var outputs = new float[steps][];
        for (int t = 0; t < steps; t++)
        {
            outputs[t] = new float[batch.Count * batch.Model.OutputSize];
            batch.Step(Inputs(batch.Model, batch.Count, from + t), outputs[t]);
        }
        return (outputs, Enumerable.Range(0, batch.Count).Select(batch.SaveState).ToArray());
    }

    public static TheoryData<string> ArchitectureNames => new(RuntimeTests.Architectures.Keys);

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Outputs_and_states_on_2_and_3_threads_equal_one_thread_bit_for_bit(string architecture)
    {
        var model = Model(architecture);
        // 1 and 2: fewer streams than threads; 7, 13 and 17: blocks of unequal sizes, with and without whole kernel blocks
        // (6 rows at 256 bits, 8 at 512), partial ones and single left-over rows.
        foreach (int streams in new[] { 1, 2, 7, 13, 17 })
        {
            var expected = Run(model.CreateBatch(streams), Steps);
            foreach (int degree in new[] { 2, 3 })
            {
                using var batch = model.CreateBatch(streams, degree);
                Assert.Equal(Math.Min(degree, streams), batch.DegreeOfParallelism);
                var actual = Run(batch, Steps);
                for (int t = 0; t < Steps; t++)
                    Assert.True(expected.Outputs[t].SequenceEqual(actual.Outputs[t]), $"{streams} streams, {degree} threads: outputs differ at step {t}");
                Assert.Equal(expected.States, actual.States);
            }
        }
    }

    [Fact]
    public void Sixty_four_streams_of_a_wide_layer_on_all_cores_equal_one_thread_bit_for_bit()
    {
        var b = new RuntimeModelBuilder(1, 31).ParallelLmu(1, 96, 100, 40, "identity", "relu").Dense(10, "identity").Done();
        var model = LmuModel.FromWeights(b.Weights, b.Metadata);
        var expected = Run(model.CreateBatch(64), 40);
        using var batch = model.CreateBatch(64, -1);
        Assert.Equal(Math.Min(Environment.ProcessorCount, 64), batch.DegreeOfParallelism);
        var actual = Run(batch, 40);
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.States, actual.States);
    }

    [Theory]
    [InlineData(8)] // PackedGemm's row block with 512-bit FMAs
    [InlineData(6)] // and without
    public void Blocks_cover_the_streams_in_order_in_multiples_of_the_row_block_with_up_to_4_per_thread(int rowBlock)
    {
        for (int threads = 2; threads <= 5; threads++)
            for (int streams = threads; streams <= 300; streams++)
            {
                int[] starts = LmuBatch.BlockStarts(streams, threads, rowBlock);
                var sizes = starts.Zip(starts.Skip(1).Append(streams), (first, end) => end - first).ToArray();
                string where = $"{streams} streams, {threads} threads: [{string.Join(", ", starts)}]";
                Assert.True(starts[0] == 0 && sizes.All(s => s > 0), where);
                Assert.True(starts.Length >= threads && starts.Length <= 4 * threads, where);
                bool whole = sizes.SkipLast(1).All(s => s % rowBlock == 0);
                bool nearEqual = starts.Length == threads && sizes.Max() - sizes.Min() <= 1; // too few streams for a row block per thread
                Assert.True(streams >= rowBlock * threads ? whole : whole || nearEqual, where);
            }
    }

    [Fact]
    public void Sixty_four_streams_on_2_threads_are_eight_blocks_of_8_with_512_bit_FMAs()
    {
        Assert.Equal([0, 8, 16, 24, 32, 40, 48, 56], LmuBatch.BlockStarts(64, 2, 8)); // the benchmark's case
    }

    [Fact]
    public void Reset_SaveState_and_LoadState_act_on_the_stream_named_whichever_thread_steps_it()
    {
        const string architecture = "stack: lmu_cell lstm → parallel_lmu → gilr → dense";
        var model = Model(architecture);
        // The same operations on one thread and on three (streams 0–1, 2–3, 4–6 in separate blocks).
        var results = new[] { 1, 3 }.Select(degree =>
        {
            using var batch = model.CreateBatch(7, degree);
            Run(batch, 30);
            batch.LoadState(1, batch.SaveState(5)); // from the last block into the first
            batch.Reset(3);
            var moved = Run(batch, 20, from: 30);
            batch.Reset();
            return (moved, fresh: Run(batch, 10));
        }).ToArray();
        Assert.Equal(results[0].moved.Outputs, results[1].moved.Outputs);
        Assert.Equal(results[0].moved.States, results[1].moved.States);
        Assert.Equal(Run(model.CreateBatch(7), 10).Outputs, results[1].fresh.Outputs);

        // And the moved and reset streams follow what they were given: stream 1 continues stream 5, stream 3 starts afresh.
        var alone = model.CreateStream();
        var states = Run(model.CreateBatch(7), 30).States;
        alone.LoadState(states[5]);
        var y = new float[model.OutputSize];
        alone.Step(Inputs(model, 7, 30).AsSpan(model.InputSize, model.InputSize), y); // stream 1's input at step 30
        Assert.Equal(y, results[1].moved.Outputs[0].AsSpan(model.OutputSize, model.OutputSize).ToArray());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.NegativeInfinity)]
    public void A_refused_non_finite_input_advances_no_stream_on_any_thread(float bad)
    {
        var model = Model("lmu_cell lstm");
        using var batch = model.CreateBatch(5, 3);
        var clean = model.CreateBatch(5);
        Run(batch, 20);
        Run(clean, 20);
        var poisoned = Inputs(model, 5, 20);
        poisoned[4 * model.InputSize + 2] = bad; // stream 4, in the last block
        var e = Assert.Throws<ArgumentException>(() => batch.Step(poisoned, new float[5 * model.OutputSize]));
        Assert.Contains("stream 4, input 2", e.Message);
        var (expected, actual) = (Run(clean, 20, from: 20), Run(batch, 20, from: 20));
        Assert.Equal(expected.Outputs, actual.Outputs);
        Assert.Equal(expected.States, actual.States);
    }

    [Fact]
    public void Under_Zero_a_non_finite_input_is_read_as_zero_on_every_thread()
    {
        var model = Model("lmu_cell gru");
        using var batch = model.CreateBatch(6, 2);
        batch.NonFiniteInputs = NonFiniteInput.Zero;
        var reference = model.CreateBatch(6);
        for (int t = 0; t < 30; t++)
        {
            var x = Inputs(model, 6, t);
            var zeroed = (float[])x.Clone();
            if (t % 7 == 3) { x[t % x.Length] = float.PositiveInfinity; zeroed[t % x.Length] = 0; }
            var (y, expected) = (new float[6 * model.OutputSize], new float[6 * model.OutputSize]);
            batch.Step(x, y);
            reference.Step(zeroed, expected);
            Assert.Equal(expected, y);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    public void A_degree_below_1_other_than_minus_1_is_an_argument_error_naming_it(int degree)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Model("gilr").CreateBatch(4, degree));
        Assert.Equal("maxDegreeOfParallelism", e.ParamName);
        Assert.Contains("must be ≥ 1", e.Message);
        Assert.Contains("or -1", e.Message);
    }

    [Fact]
    public void A_disposed_batch_refuses_to_step_but_keeps_its_states()
    {
        var model = Model("gilr");
        var batch = model.CreateBatch(4, 2);
        var (_, states) = Run(batch, 5);
        batch.Dispose();
        batch.Dispose();
        Assert.Throws<ObjectDisposedException>(() => batch.Step(new float[4 * model.InputSize], new float[4 * model.OutputSize]));
        Assert.Equal(states[3], batch.SaveState(3));
    }
}
