using TorchSharp;
using static TorchSharp.torch;
using LmuSharp.Audio;
using LmuSharp.Cli.Tasks.Kws;
using LmuSharp.Runtime;

namespace LmuSharp.Cli.Tests.Kws;

public class Int8ParityTests
{
    /// <summary>A small random keyword model whose activation ranges are calibrated on random frames, in evaluation mode.</summary>
    static (KwsModel Model, Tensor Frames) Calibrated(bool quantize, int seed)
    {
        torch.manual_seed(seed);
        // hidden 44: six blocks of 8 outputs in the int8 kernel, four run together, two alone, the last one partial
        var model = new KwsModel(new KwsShape(40, 4, 8, 49, 44, 12), quantize, new LogMelOptions());
        var frames = torch.randn(24, 49, 40);
        model.train();
        using (no_grad())
            for (int i = 0; i < 3; i++) model.forward(frames).Dispose();
        model.eval();
        return (model, frames);
    }

    /// <summary>The runtime's logits at the last frame, each clip from the zero state, frame by frame.</summary>
    static float[,] RunStreams(Func<(Action<float[], float[]> Step, int Outputs)> create, Tensor frames)
    {
        long clips = frames.shape[0], steps = frames.shape[1], bands = frames.shape[2];
        var data = frames.data<float>().ToArray();
        var logits = new float[clips, 12];
        for (int b = 0; b < clips; b++)
        {
            var (step, outputs) = create();
            var y = new float[outputs];
            for (int t = 0; t < steps; t++) step(data.AsSpan((int)((b * steps + t) * bands), (int)bands).ToArray(), y);
            for (int c = 0; c < 12; c++) logits[b, c] = y[c];
        }
        return logits;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Int8_runtime_reproduces_the_fake_quantised_forward(int seed)
    {
        var (model, frames) = Calibrated(quantize: true, seed);
        using var _ = model;
        var file = model.ToExport().ToSafeTensors(model.ExportMetadata());
        var int8 = Int8Model.FromSafeTensors(file);
        using var expected = model.forward(frames);
        var reference = expected.data<float>().ToArray();
        var actual = RunStreams(() => { var s = int8.CreateStream(); return ((x, y) => s.Step(x, y), s.OutputSize); }, frames);
        double worst = 0, span = reference.Max() - reference.Min();
        for (int b = 0; b < frames.shape[0]; b++)
        {
            var row = Enumerable.Range(0, 12).Select(c => reference[b * 12 + c]).ToArray();
            var got = Enumerable.Range(0, 12).Select(c => actual[b, c]).ToArray();
            worst = Math.Max(worst, row.Zip(got, (r, g) => Math.Abs(r - g)).Max());
            Assert.Equal(Array.IndexOf(row, row.Max()), Array.IndexOf(got, got.Max())); // identical class decisions
        }
        // Integer sums are exact; the differences come from the memory (recurrent in the runtime, a Toeplitz product in
        // training) moving an activation across a rounding boundary now and then: measured ≤ 1e-3 of the logits' span.
        Assert.True(worst <= 2e-3 * span, $"int8 runtime vs fake-quantised forward: max |Δ logit| = {worst:G3}, span {span:G3}");
    }

    [Fact]
    public void Float_runtime_reproduces_the_float_forward()
    {
        var (model, frames) = Calibrated(quantize: false, 3);
        using var _ = model;
        var runtime = LmuModel.FromSafeTensors(model.ToExport().ToSafeTensors(model.ExportMetadata()));
        using var expected = model.forward(frames);
        var reference = expected.data<float>().ToArray();
        var actual = RunStreams(() => { var s = runtime.CreateStream(); return ((x, y) => s.Step(x, y), runtime.OutputSize); }, frames);
        for (int b = 0; b < frames.shape[0]; b++)
            for (int c = 0; c < 12; c++) Assert.Equal(reference[b * 12 + c], actual[b, c], 1e-3f);
    }

    [Fact]
    public void Int8_weights_are_int8_and_the_vnni_kernel_equals_the_scalar_loop()
    {
        var (model, frames) = Calibrated(quantize: true, 4);
        using var _ = model;
        var file = model.ToExport().ToSafeTensors(model.ExportMetadata());
        var int8 = Int8Model.FromSafeTensors(file);
        var shape = model.Shape;
        Assert.Equal(shape.Parameters - 2 * shape.MemoryD - 2 * shape.Hidden - shape.Classes, int8.WeightBytes); // every weight one byte
        using var first = frames.narrow(0, 0, 2);
        bool saved = Int8Linear.UseVnni;
        try
        {
            Int8Linear.UseVnni = false;
            var scalar = RunStreams(() => { var s = int8.CreateStream(); return ((x, y) => s.Step(x, y), s.OutputSize); }, first);
            Int8Linear.UseVnni = System.Runtime.Intrinsics.X86.AvxVnni.IsSupported;
            var vector = RunStreams(() => { var s = int8.CreateStream(); return ((x, y) => s.Step(x, y), s.OutputSize); }, first);
            Assert.Equal(scalar, vector);
        }
        finally { Int8Linear.UseVnni = saved; }
    }

    [Fact]
    public void A_float_model_is_refused_by_the_int8_path()
    {
        var (model, _) = Calibrated(quantize: false, 5);
        using var _model = model;
        var file = model.ToExport().ToSafeTensors(model.ExportMetadata());
        Assert.Contains("not an int8 model", Assert.Throws<NotSupportedException>(() => Int8Model.FromSafeTensors(file)).Message);
    }
}
