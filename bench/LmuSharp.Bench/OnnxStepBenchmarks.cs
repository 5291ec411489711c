using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks;
using LmuSharp.Cli.Benchmarks.Workloads;
using LmuSharp.Onnx;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace LmuSharp.Bench;

/// <summary>
/// One streaming step of the same model three ways: the C# runtime (<see cref="RuntimeStep"/>), ONNX Runtime on the exported
/// step graph (<see cref="OnnxRuntimeStep"/>, one intra-op thread) and TorchSharp's own step (<see cref="TorchSharpStep"/>),
/// for the psMNIST model (order 468) and a KWS-sized model, 1 and 64 streams. Per-step latency (Mean, Min);
/// steps/s = Streams / Mean.
/// </summary>
[Config(typeof(ShortRunConfig))]
public class OnnxStepBenchmarks
{
    StreamingModel _model = null!;
    RuntimeStep _runtime = null!;
    OnnxRuntimeStep _onnx = null!;
    TorchSharpStep _torch = null!;

    /// <summary>psMNIST or KWS.</summary>
    [Params("psMNIST", "KWS")]
    public string Model { get; set; } = "";

    /// <summary>The number of independent streams stepped per call.</summary>
    [Params(1, 64)]
    public int Streams { get; set; }

    /// <summary>Builds the model, its ONNX step graph and the three workloads; one thread for TorchSharp as for the others.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1);
        _model = Model == "KWS" ? StreamingModel.KeywordSpotting() : StreamingModel.PsMnist();
        _runtime = new RuntimeStep(_model.Runtime, Streams);
        _onnx = new OnnxRuntimeStep(new OnnxExport(_model.File), Streams);
        _torch = new TorchSharpStep(_model, Streams, 1);
    }

    /// <summary>The C# runtime: one step of every stream.</summary>
    [Benchmark(Baseline = true)]
    public void CSharpRuntime() => _runtime.Step();

    /// <summary>ONNX Runtime on the step graph: one step of every stream, state fed back.</summary>
    [Benchmark]
    public void OnnxRuntime() => _onnx.Step();

    /// <summary>TorchSharp's own single step (layer step and head).</summary>
    [Benchmark]
    public void TorchSharpStep() => _torch.Step();

    /// <summary>Frees the sessions and tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _torch.Dispose();
        _model.Dispose();
    }
}

/// <summary>
/// Steps of ONNX Runtime on the step graph, as a server would run it: input, output and state buffers allocated once
/// and pinned; the state ping-pongs between two buffer sets (the outputs of one call are the inputs of the next).
/// </summary>
public sealed class OnnxRuntimeStep : IWorkload
{
    readonly InferenceSession _session;
    readonly RunOptions _options = new();
    readonly string[] _inputNames, _outputNames;
    readonly OrtValue[][] _inputs, _outputs; // [buffer set][tensor]
    int _set;

    /// <summary>Loads the step graph of <paramref name="export"/> for <paramref name="streams"/> streams (one intra-op thread) and warms it up.</summary>
    public OnnxRuntimeStep(OnnxExport export, int streams)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _session = new InferenceSession(export.ToBytes(OnnxGraph.Step), options);
        var random = new Random(3);
        var x = OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, streams * export.InputSize).Select(_ => (float)random.NextDouble()).ToArray(), [streams, export.InputSize]);
        OrtValue State(int size) => OrtValue.CreateTensorValueFromMemory(new float[streams * size], [streams, size]);
        var y = OrtValue.CreateTensorValueFromMemory(new float[streams * export.OutputSize], [streams, export.OutputSize]);
        var states = new[] { export.States.Select(s => State(s.Size)).ToArray(), export.States.Select(s => State(s.Size)).ToArray() };
        _inputNames = [OnnxExport.InputName, .. export.States.Select(s => s.InputName)];
        _outputNames = [OnnxExport.OutputName, .. export.States.Select(s => s.OutputName)];
        _inputs = [[x, .. states[0]], [x, .. states[1]]];
        _outputs = [[y, .. states[1]], [y, .. states[0]]];
        for (int t = 0; t < 100; t++) Step();
    }

    /// <summary>One step of every stream.</summary>
    public void Step()
    {
        _session.Run(_options, _inputNames, _inputs[_set], _outputNames, _outputs[_set]);
        _set ^= 1;
    }

    /// <summary>Frees the session and the pinned buffers.</summary>
    public void Dispose()
    {
        foreach (var v in _inputs.SelectMany(a => a).Concat(_outputs.SelectMany(a => a)).Distinct()) v.Dispose();
        _options.Dispose();
        _session.Dispose();
    }
}
