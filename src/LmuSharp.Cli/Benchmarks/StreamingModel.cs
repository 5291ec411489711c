using LmuSharp.Runtime;
using LmuSharp.Torch;
using LmuSharp.Torch.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// A model timed by the `runtime` table: a TorchSharp LMU layer with a dense head (seeded initial weights; weights do
/// not change the cost of a step) and the same model exported (<see cref="ModelExport"/>) to the streaming runtime.
/// </summary>
sealed class StreamingModel : IDisposable
{
    readonly nn.Module _layer;
    readonly Func<Tensor, LmuState?, (Tensor Output, LmuState State)> _step;
    readonly Linear _head;

    StreamingModel(string name, string description, nn.Module layer, Func<Tensor, LmuState?, (Tensor, LmuState)> step, Linear head, LmuModel runtime)
    {
        (Name, Description, _layer, _step, _head, Runtime) = (name, description, layer, step, head, runtime);
        _layer.eval();
    }

    /// <summary>Short name (the table's row group).</summary>
    public string Name { get; }

    /// <summary>The architecture in words.</summary>
    public string Description { get; }

    /// <summary>The exported model, run by the dependency-free runtime.</summary>
    public LmuModel Runtime { get; }

    /// <summary>psMNIST parallel LMU (Chilkuri &amp; Eliasmith 2021): 1 input, order 468 (θ = 784), hidden 346 (ReLU over [m; x]), 10 classes.</summary>
    public static StreamingModel PsMnist()
    {
        manual_seed(0);
        var layer = new Lmu(new LmuOptions(1, 468, 784)
        {
            Hidden = HiddenCell.Linear, HiddenSize = 346, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true,
        });
        var head = nn.Linear(346, 10);
        return new("psMNIST", "parallel LMU, order 468, θ = 784, hidden 346 (Linear + ReLU over [m; x]), dense 10",
            layer, layer.step, head, LmuModel.FromSafeTensors(new ModelExport(1).Add(layer).AddDense(head).ToSafeTensors()));
    }

    /// <summary>Keyword-spotting-sized LMU: 40 features, order 64 (θ = 100), LSTM hidden 128 fed back to the memory, 12 classes.</summary>
    public static StreamingModel KeywordSpotting()
    {
        manual_seed(0);
        var layer = new Lmu(new LmuOptions(40, 64, 100)
        {
            Hidden = HiddenCell.Lstm, HiddenSize = 128, HiddenToMemory = true, InputToHidden = true, UseBias = true,
        });
        var head = nn.Linear(128, 12);
        return new("KWS", "LMU cell, 40 inputs, order 64, θ = 100, LSTM hidden 128 (hidden → memory), dense 12",
            layer, layer.step, head, LmuModel.FromSafeTensors(new ModelExport(40).Add(layer).AddDense(head).ToSafeTensors()));
    }

    /// <summary>The memory alone, exported (one channel, no hidden layer): a step is u = w x + b, then m ← Ā m + B̄ u, 2d² + 2d flops.</summary>
    public static LmuModel MemoryOnly(int order)
    {
        using var layer = new Lmu(new LmuOptions(1, order, 784));
        return LmuModel.FromSafeTensors(new ModelExport(1).Add(layer).ToSafeTensors());
    }

    /// <summary>One TorchSharp step of the layer and the head on x [streams, inputs]; returns the layer's next state.</summary>
    public LmuState TorchStep(Tensor x, LmuState? state)
    {
        var (output, next) = _step(x, state);
        _head.call(output);
        return next;
    }

    /// <summary>Disposes the TorchSharp modules.</summary>
    public void Dispose()
    {
        _layer.Dispose();
        _head.Dispose();
    }
}
