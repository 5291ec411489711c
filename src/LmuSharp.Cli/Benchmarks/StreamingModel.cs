using LmuSharp.Runtime;
using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// A model stepped one time step at a time: a TorchSharp LMU layer with a dense head (seeded initial weights; weights do
/// not change the cost of a step) and the same model exported (<see cref="ModelExport"/>) to the streaming runtime.
/// </summary>
public sealed class StreamingModel : IDisposable
{
    readonly nn.Module[] _owned;
    readonly Lmu _layer;
    readonly Func<Tensor, Tensor> _head;

    /// <summary>Takes <paramref name="owned"/> (the modules to dispose: the whole model, or the layer and the head) and exports the model.</summary>
    StreamingModel(string name, string description, nn.Module[] owned, Lmu layer, Func<Tensor, Tensor> head, ModelExport export)
    {
        (Name, Description, _owned, _layer, _head) = (name, description, owned, layer, head);
        File = export.ToSafeTensors();
        Runtime = LmuModel.FromSafeTensors(File);
        foreach (var module in owned) module.eval();
    }

    /// <summary>Short name (the runtime table's row group).</summary>
    public string Name { get; }

    /// <summary>The architecture in words.</summary>
    public string Description { get; }

    /// <summary>The exported model file (docs/FORMAT.md), e.g. for the ONNX export.</summary>
    public LmuSharp.Serialization.SafeTensorsFile File { get; }

    /// <summary>The exported model, run by the dependency-free runtime.</summary>
    public LmuModel Runtime { get; }

    /// <summary>
    /// The model `lmu train psmnist` trains by default (lmu-parallel, Chilkuri &amp; Eliasmith 2021), built by the task
    /// from its default configuration: 1 input, order 468 (θ = 784), dense 346 + ReLU over m, dense 10.
    /// </summary>
    public static StreamingModel PsMnist()
    {
        var task = TaskRegistry.Get("psmnist");
        var config = task.Defaults("lmu-parallel");
        manual_seed(config.Seed);
        var model = (SequenceClassifier)task.Build(config);
        return new("psMNIST", $"the psMNIST task's {config.Model} model: order {config.Order}, θ = {config.Theta:0}, dense {config.Hidden} + ReLU over m, dense 10",
            [model], model.Layer, model.Head, model.ToExport());
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
            [layer, head], layer, head.call, new ModelExport(40).Add(layer).AddDense(head));
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
        var (output, next) = _layer.step(x, state);
        _head(output);
        return next;
    }

    /// <summary>Disposes the TorchSharp modules.</summary>
    public void Dispose()
    {
        foreach (var module in _owned) module.Dispose();
    }
}
