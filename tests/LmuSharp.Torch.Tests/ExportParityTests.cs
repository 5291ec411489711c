using LmuSharp.Runtime;
using LmuSharp.Torch.Export;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// Every exportable architecture: the dependency-free runtime, fed 1,000 steps one at a time, matches
/// the TorchSharp model's full-sequence forward within 1e-5 (float32); the file loads back into
/// TorchSharp modules with the same outputs.
/// </summary>
public class ExportParityTests(ITestOutputHelper output)
{
    const int Steps = 1000, Features = 3;

    public static TheoryData<string> Architectures => new()
    {
        "parallel-linear", "parallel-none", "cell-rnn-2019", "cell-lstm", "cell-gru", "cell-linear-feedback", "cell-none", "trained-theta", "gilr-stack", "sru-stack", "qrnn-stack",
    };

    /// <summary>The layers of each architecture, with the sequence forward of the whole stack.</summary>
    static (List<nn.Module> Layers, ModelExport Export) Build(string name)
    {
        var o = new LmuOptions(Features, 12, 40) { ReturnSequences = true, MemoryD = 2 };
        var layers = new List<nn.Module>();
        var export = new ModelExport(Features);
        void Add(nn.Module m)
        {
            layers.Add(m);
            _ = m switch
            {
                Lmu l => export.Add(l),
                Gilr g => export.Add(g),
                GilrLstm g => export.Add(g),
                Sru sru => export.Add(sru),
                Qrnn qrnn => export.Add(qrnn),
                Linear d => export.AddDense(d, Activation.Tanh),
                _ => throw new InvalidOperationException(),
            };
        }
        switch (name)
        {
            case "parallel-linear":
                Add(new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 8, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true }));
                Add(nn.Linear(8, 4));
                break;
            case "parallel-none": Add(new Lmu(o)); break;
            case "cell-rnn-2019":
                Add(new Lmu(o with { MemoryD = 1, Hidden = HiddenCell.Rnn, HiddenSize = 8, HiddenToMemory = true, MemoryToMemory = true, InputToHidden = true }));
                break;
            case "cell-lstm": Add(new Lmu(o with { Hidden = HiddenCell.Lstm, HiddenSize = 6, HiddenToMemory = true, UseBias = true })); break;
            case "cell-gru": Add(new Lmu(o with { Hidden = HiddenCell.Gru, HiddenSize = 6, MemoryToMemory = true, InputToHidden = true })); break;
            case "cell-linear-feedback": Add(new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 5, HiddenActivation = Activation.Tanh, HiddenToMemory = true })); break;
            case "cell-none": Add(new Lmu(o with { Discretizer = LmuSharp.Memory.Discretizer.Bilinear })); break;
            case "trained-theta":
                var layer = new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 4, TrainableTheta = true });
                using (no_grad()) layer.get_parameter("cell.theta_inv")!.fill_(1 / 55.5);
                Add(layer);
                break;
            case "sru-stack": // layer 0 has a skip projection (3 → 6), layer 1 the identity highway
                Add(new Sru(new StackOptions(Features, 6) { Layers = 2 }));
                Add(nn.Linear(6, 2));
                break;
            case "qrnn-stack":
                Add(new Qrnn(new StackOptions(Features, 6) { Layers = 2 }, window: 3));
                Add(new Qrnn(6, 4, window: 1));
                break;
            case "gilr-stack":
                Add(new Gilr(Features, 7));
                Add(new GilrLstm(7, 5));
                Add(nn.Linear(5, 2));
                break;
        }
        return (layers, export);
    }

    static Tensor Forward(IEnumerable<nn.Module> layers, Tensor x)
    {
        foreach (var layer in layers)
            x = layer switch
            {
                Lmu l => l.forward(x, null).Output,
                Gilr g => g.forward(x, null).Output,
                GilrLstm g => g.forward(x, null).Output,
                Sru sru => sru.forward(x, null).Output,
                Qrnn qrnn => qrnn.forward(x, null).Output,
                Linear d => d.forward(x).tanh(),
                _ => throw new InvalidOperationException(),
            };
        return x;
    }

    [Theory, MemberData(nameof(Architectures))]
    public void Runtime_streaming_matches_the_torch_forward_and_import_restores_it(string name)
    {
        manual_seed(11);
        var (layers, export) = Build(name);
        using var x = randn(1, Steps, Features);
        using var expected = Forward(layers, x).squeeze(0).contiguous();
        var path = Path.Combine(Path.GetTempPath(), $"lmu-export-{name}-{Guid.NewGuid():N}.safetensors");
        export.Save(path);

        var model = LmuModel.Load(path);
        var stream = model.CreateStream();
        var input = x.squeeze(0).contiguous().data<float>().ToArray();
        var want = expected.data<float>().ToArray();
        var y = new float[model.OutputSize];
        Assert.Equal((int)expected.shape[1], model.OutputSize);
        double worst = 0;
        for (int t = 0; t < Steps; t++)
        {
            stream.Step(input.AsSpan(t * Features, Features), y);
            for (int k = 0; k < y.Length; k++) worst = Math.Max(worst, Math.Abs(y[k] - want[t * y.Length + k]));
        }
        output.WriteLine($"{name}: runtime vs TorchSharp max-abs {worst:E2}");
        Assert.True(worst <= 1e-5, $"{name}: max-abs {worst:E2}");

        using var imported = ModelImport.Load(path);
        using var again = imported.forward(x).squeeze(0);
        double importError = again.sub(expected).abs().max().item<float>();
        Assert.True(importError <= 1e-6, $"{name}: imported model differs by {importError:E2}");
        File.Delete(path);
    }

    [Fact]
    public void Layers_that_do_not_chain_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModelExport(2).Add(new Gilr(3, 4)));
        Assert.Contains("reads 3 features, but the previous layer gives 2", e.Message);
        Assert.Throws<ArgumentException>(() => new ModelExport(3).Add(new Lmu(new LmuOptions(3, 4, 10) { GoBackwards = true })));
    }
}
