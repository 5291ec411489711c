using LmuSharp.Memory;
using LmuSharp.Runtime;
using LmuSharp.Serialization;
using Xunit.Abstractions;

namespace LmuSharp.Tests;

public class RuntimeTests(ITestOutputHelper output)
{
    const int Steps = 1000;

    /// <summary>Every architecture of docs/FORMAT.md, with random weights (input size 3).</summary>
    internal static readonly Dictionary<string, Func<RuntimeModelBuilder>> Architectures = new()
    {
        ["parallel_lmu+dense"] = () => new RuntimeModelBuilder(3, 1).ParallelLmu(2, 12, 30, 9).Dense(4, "identity").Done(),
        ["parallel_lmu tanh, memory-only output"] = () => new RuntimeModelBuilder(3, 2).ParallelLmu(3, 8, 20, 5, "tanh", "tanh", includeInput: false).Done(),
        ["parallel_lmu without output layer, euler"] = () => new RuntimeModelBuilder(3, 3).ParallelLmu(2, 6, 40, 0, discretizer: Discretizer.Euler).Dense(2, "sigmoid").Done(),
        ["lmu_cell rnn tanh"] = () => new RuntimeModelBuilder(3, 4).LmuCell(2, 10, 25, "rnn", 7).Done(),
        ["lmu_cell rnn relu"] = () => new RuntimeModelBuilder(3, 5).LmuCell(1, 10, 25, "rnn", 7, "relu").Dense(2, "identity").Done(),
        ["lmu_cell lstm"] = () => new RuntimeModelBuilder(3, 6).LmuCell(2, 10, 25, "lstm", 9).Done(),
        ["lmu_cell gru"] = () => new RuntimeModelBuilder(3, 7).LmuCell(2, 10, 25, "gru", 9).Done(),
        ["lmu_cell linear hidden, bilinear"] = () => new RuntimeModelBuilder(3, 8).LmuCell(2, 10, 25, "linear", 6, "relu", discretizer: Discretizer.Bilinear).Done(),
        ["lmu_cell linear gelu hidden"] = () => new RuntimeModelBuilder(3, 14).LmuCell(1, 10, 25, "linear", 6, "gelu").Dense(3, "gelu").Done(),
        ["lmu_cell rnn without x→h"] = () => new RuntimeModelBuilder(3, 9).LmuCell(1, 16, 50, "rnn", 12, inputToHidden: false).Dense(3, "identity").Done(),
        ["lmu_cell no hidden cell"] = () => new RuntimeModelBuilder(3, 10).LmuCell(2, 8, 25, "none", 0, hiddenToMemory: false, inputToHidden: false).Done(),
        ["gilr"] = () => new RuntimeModelBuilder(3, 11).Gilr(8).Done(),
        ["sru ×2 (skip projection, then identity highway)"] = () => new RuntimeModelBuilder(3, 15).Sru(8).Sru(8).Done(),
        ["qrnn window 3 → qrnn window 1 + dense"] = () => new RuntimeModelBuilder(3, 16).Qrnn(8, 3).Qrnn(6, 1).Dense(2, "identity").Done(),
        ["gilr_lstm ×2 + dense"] = () => new RuntimeModelBuilder(3, 12).GilrLstm(8).GilrLstm(8).Dense(2, "identity").Done(),
        ["stack: lmu_cell lstm → parallel_lmu → gilr → dense"] = () =>
            new RuntimeModelBuilder(3, 13).LmuCell(1, 8, 20, "lstm", 20).ParallelLmu(2, 8, 16, 10).Gilr(6).Dense(2, "tanh").Done(),
    };

    public static TheoryData<string> ArchitectureNames => new(Architectures.Keys);

    static LmuModel Model(RuntimeModelBuilder b) => LmuModel.FromWeights(b.Weights, b.Metadata);

    static float[][] Inputs(int inputSize, int steps, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, steps).Select(_ => Enumerable.Range(0, inputSize).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray()).ToArray();
    }

    static float[][] Run(LmuStream stream, float[][] inputs)
    {
        return inputs.Select(x => { var y = new float[stream.Model.OutputSize]; stream.Step(x, y); return y; }).ToArray();
    }

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Runtime_matches_a_plain_double_precision_reference_for_1000_steps(string architecture)
    {
        var b = Architectures[architecture]();
        var stream = Model(b).CreateStream();
        var reference = new ReferenceModel(b.Weights, b.Metadata);
        var inputs = Inputs(b.InputSize, Steps, 99);
        var outputs = Run(stream, inputs);
        double worst = 0, scale = 0;
        for (int t = 0; t < Steps; t++)
        {
            var expected = reference.Step(inputs[t].Select(v => (double)v).ToArray());
            Assert.Equal(expected.Length, outputs[t].Length);
            for (int k = 0; k < expected.Length; k++)
            {
                worst = Math.Max(worst, Math.Abs(expected[k] - outputs[t][k]));
                scale = Math.Max(scale, Math.Abs(expected[k]));
            }
        }
        output.WriteLine($"{architecture}: max-abs {worst:E2}, max |y| {scale:F3}");
        Assert.True(scale > 0.05, $"outputs too small to be a meaningful comparison (max |y| = {scale})");
        Assert.True(worst <= 1e-5, $"max-abs difference {worst:E2} over {Steps} steps (max |y| = {scale:F3})");
    }

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void A_stream_split_across_SaveState_and_LoadState_in_another_model_instance_equals_the_unsplit_stream(string architecture)
    {
        var b = Architectures[architecture]();
        var inputs = Inputs(b.InputSize, Steps, 5);
        var unsplit = Run(Model(b).CreateStream(), inputs);

        var first = Model(b).CreateStream();
        Run(first, inputs[..400]);
        var saved = first.SaveState();
        // "Another process": a fresh model instance from the serialised file.
        var second = LmuModel.FromSafeTensors(SafeTensorsFile.Parse(b.ToFile().ToBytes())).CreateStream();
        Run(second, inputs[..17]); // state to be overwritten
        second.LoadState(saved);
        var resumed = Run(second, inputs[400..]);
        for (int t = 400; t < Steps; t++) Assert.Equal(unsplit[t], resumed[t - 400]);
    }

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Batched_streams_equal_the_same_streams_run_alone_bit_for_bit(string architecture)
    {
        var b = Architectures[architecture]();
        var model = Model(b);
        const int streams = 11; // whole and partial kernel blocks (6 + 5 rows at 256 bits, 8 + 3 at 512)
        var inputs = Enumerable.Range(0, streams).Select(s => Inputs(b.InputSize, 200, 1000 + s)).ToArray();
        var alone = inputs.Select(i => Run(model.CreateStream(), i)).ToArray();
        var batch = model.CreateBatch(streams);
        var x = new float[streams * model.InputSize];
        var y = new float[streams * model.OutputSize];
        for (int t = 0; t < 200; t++)
        {
            for (int s = 0; s < streams; s++) inputs[s][t].CopyTo(x, s * model.InputSize);
            batch.Step(x, y);
            for (int s = 0; s < streams; s++) Assert.Equal(alone[s][t], y[(s * model.OutputSize)..((s + 1) * model.OutputSize)]);
        }
    }

    [Theory]
    [MemberData(nameof(ArchitectureNames))]
    public void Steps_allocate_nothing_after_warm_up(string architecture)
    {
        var model = Model(Architectures[architecture]());
        var stream = model.CreateStream();
        var batch = model.CreateBatch(9);
        var x = new float[model.InputSize];
        var y = new float[model.OutputSize];
        var xs = new float[9 * model.InputSize];
        var ys = new float[9 * model.OutputSize];
        x.AsSpan().Fill(0.3f);
        xs.AsSpan().Fill(-0.2f);
        for (int t = 0; t < 5; t++) { stream.Step(x, y); batch.Step(xs, ys); }
        // The runtime itself may allocate once on this thread while the suite runs in parallel
        // (tiered re-compilation, type loading): a step that allocates would make every window
        // of 300 steps allocate, so one clean window out of five proves the steps allocate nothing.
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int t = 0; t < 300; t++) { stream.Step(x, y); batch.Step(xs, ys); }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }

    [Fact]
    public void A_stream_moves_from_a_batch_to_a_single_stream_and_back_exactly()
    {
        var b = Architectures["stack: lmu_cell lstm → parallel_lmu → gilr → dense"]();
        var model = Model(b);
        var inputs = Enumerable.Range(0, 3).Select(s => Inputs(b.InputSize, 60, 70 + s)).ToArray();
        var batch = model.CreateBatch(3);
        var xs = new float[3 * model.InputSize];
        var ys = new float[3 * model.OutputSize];
        void StepBatch(int t)
        {
            for (int s = 0; s < 3; s++) inputs[s][t].CopyTo(xs, s * model.InputSize);
            batch.Step(xs, ys);
        }
        var alone = Run(model.CreateStream(), inputs[1]);
        for (int t = 0; t < 20; t++) StepBatch(t);
        var moved = model.CreateStream();
        moved.LoadState(batch.SaveState(1));
        Assert.Equal(alone[20..40], Run(moved, inputs[1][20..40]));
        batch.LoadState(2, moved.SaveState()); // and back, into another slot
        for (int t = 40; t < 60; t++)
        {
            for (int s = 0; s < 3; s++) (s == 2 ? inputs[1][t] : inputs[s][t]).CopyTo(xs, s * model.InputSize);
            batch.Step(xs, ys);
            Assert.Equal(alone[t], ys[(2 * model.OutputSize)..]);
        }
        Assert.Equal(batch.StateByteCount, 16 + 4 * model.StateFloats);
    }

    [Fact]
    public void Reset_returns_to_the_zero_state()
    {
        var b = Architectures["lmu_cell lstm"]();
        var model = Model(b);
        var inputs = Inputs(b.InputSize, 50, 3);
        var stream = model.CreateStream();
        var fresh = Run(stream, inputs);
        stream.Reset();
        Assert.Equal(fresh, Run(stream, inputs));

        var batch = model.CreateBatch(2);
        var xs = new float[2 * model.InputSize];
        var ys = new float[2 * model.OutputSize];
        for (int t = 0; t < 50; t++) { inputs[t].CopyTo(xs, 0); inputs[t].CopyTo(xs, model.InputSize); batch.Step(xs, ys); }
        batch.Reset(1);
        inputs[0].CopyTo(xs, 0); inputs[0].CopyTo(xs, model.InputSize);
        batch.Step(xs, ys);
        Assert.Equal(fresh[0], ys[model.OutputSize..]);
        Assert.NotEqual(fresh[0], ys[..model.OutputSize]);
    }

    [Fact]
    public void Load_reads_a_written_file_and_gives_the_same_outputs()
    {
        var b = Architectures["stack: lmu_cell lstm → parallel_lmu → gilr → dense"]();
        var path = Path.Combine(Path.GetTempPath(), $"lmusharp-{Guid.NewGuid():N}.safetensors");
        try
        {
            b.ToFile().Write(path);
            var inputs = Inputs(b.InputSize, 100, 8);
            Assert.Equal(Run(Model(b).CreateStream(), inputs), Run(LmuModel.Load(path).CreateStream(), inputs));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_version_1_file_naming_memory_d_memory_size_runs_as_the_same_model()
    {
        var b = Architectures["stack: lmu_cell lstm → parallel_lmu → gilr → dense"]();
        var v1 = new Dictionary<string, string>(b.Metadata) { ["format_version"] = "1" };
        foreach (var key in b.Metadata.Keys.Where(k => k.EndsWith(".memory_d", StringComparison.Ordinal)))
        {
            v1.Remove(key);
            v1[key.Replace(".memory_d", ".memory_size")] = b.Metadata[key];
        }
        Assert.Contains("layers.0.memory_size", v1.Keys);
        var inputs = Inputs(b.InputSize, 50, 4);
        var old = LmuModel.FromWeights(b.Weights, v1);
        Assert.Equal(Run(Model(b).CreateStream(), inputs), Run(old.CreateStream(), inputs));
        Assert.Equal("1", old.Metadata["format_version"]); // the file's own metadata, as read
    }

    static Exception Refusal(Action<RuntimeModelBuilder> damage, bool viaFile = false)
    {
        var b = new RuntimeModelBuilder(3, 1).LmuCell(2, 8, 20, "lstm", 5).Dense(2, "identity").Done();
        damage(b);
        return Assert.ThrowsAny<Exception>(() => viaFile ? LmuModel.FromSafeTensors(b.ToFile()) : Model(b));
    }

    [Fact]
    public void Architectures_the_runtime_cannot_run_are_refused_at_load_with_a_clear_message()
    {
        var e = Refusal(b => b.Metadata["layers.1.type"] = "transformer");
        Assert.IsType<NotSupportedException>(e);
        Assert.Contains("layer 'layers.1' has type 'transformer', which this runtime cannot run", e.Message);
        e = Refusal(b => b.Metadata["format_version"] = "3");
        Assert.IsType<NotSupportedException>(e);
        Assert.Contains("format_version '3' is not supported", e.Message);
        e = Refusal(b => b.Metadata["format"] = "keras");
        Assert.IsType<NotSupportedException>(e);
        e = Refusal(b => b.Metadata["layers.0.hidden_cell"] = "transformer");
        Assert.Contains("'layers.0.hidden_cell' = 'transformer' is not one of: rnn, lstm, gru, linear, none", e.Message);
    }

    [Fact]
    public void Inconsistent_model_files_are_refused_naming_the_problem()
    {
        static void Check(Exception e, string words)
        {
            Assert.IsType<InvalidDataException>(e);
            Assert.Contains(words, e.Message);
        }
        Check(Refusal(b => b.Weights.Remove("layers.0.hidden.bias_hh")), "missing tensor 'layers.0.hidden.bias_hh' (expected shape [20])");
        Check(Refusal(b => b.Weights["layers.0.A_bar"] = new float[63]), "'layers.0.A_bar' has 63 elements, expected 64");
        Check(Refusal(b => b.Shapes["layers.1.weight"] = [5, 2], viaFile: true), "'layers.1.weight' has shape [5, 2], expected [2, 5]");
        Check(Refusal(b => b.Weights["layers.7.weight"] = [1f]), "not used by the architecture in the metadata: layers.7.weight");
        Check(Refusal(b => b.Metadata.Remove("layers.0.order")), "missing metadata key 'layers.0.order'");
        Check(Refusal(b => b.Metadata["layers.0.order"] = "-8"), "'layers.0.order' = '-8' is not an integer in [1, 32768]");
        Check(Refusal(b => b.Metadata["layers.0.memory_d"] = "65536"), "'layers.0.memory_d' = '65536' is not an integer in [1, 32768]");
        Check(Refusal(b => b.Metadata["layers.0.theta"] = "NaN"), "'layers.0.theta' = 'NaN' is not a finite number > 0");
        Check(Refusal(b => { b.Metadata["layers.1.input_size"] = "4"; b.Weights["layers.1.weight"] = new float[8]; }), "layer 1 takes 4 inputs but receives 5");
        Check(Refusal(b => b.Metadata["output_size"] = "3"), "output_size is 3 but the last layer gives 2");
        Check(Refusal(b => b.Metadata["layers.0.hidden_to_memory"] = "yes"), "'layers.0.hidden_to_memory' = 'yes' is not 'true' or 'false'");

        var b = new RuntimeModelBuilder(3, 1).Dense(2, "identity").Done();
        var tensors = b.ToFile().Tensors.ToDictionary();
        tensors["layers.0.bias"] = new SafeTensor(SafeTensorDType.F64, [2], new byte[16]);
        Check(Assert.ThrowsAny<Exception>(() => LmuModel.FromSafeTensors(new SafeTensorsFile(tensors, b.Metadata))), "'layers.0.bias' has dtype F64; the runtime reads F32 only");
    }

    [Fact]
    public void LoadState_refuses_states_of_other_architectures_and_garbage()
    {
        var lstm = Model(Architectures["lmu_cell lstm"]()).CreateStream();
        var gru = Model(Architectures["lmu_cell gru"]()).CreateStream();
        var e = Assert.Throws<ArgumentException>(() => lstm.LoadState(gru.SaveState()));
        Assert.Contains("state", e.ParamName);
        Assert.Throws<ArgumentException>(() => lstm.LoadState(new byte[lstm.StateByteCount]));
        var x = new float[3];
        Assert.Throws<ArgumentException>(() => lstm.Step(new float[2], new float[lstm.Model.OutputSize]));
        Assert.Throws<ArgumentException>(() => lstm.Step(x, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => lstm.Model.CreateBatch(0));
    }
}
