using Microsoft.ML.OnnxRuntime;

namespace LmuSharp.Onnx.Tests;

/// <summary>An ONNX Runtime session on one exported graph (one intra-op thread, as a server would give each stream group).</summary>
sealed class Ort : IDisposable
{
    readonly InferenceSession _session;

    public Ort(byte[] model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(model, options);
    }

    public IReadOnlyDictionary<string, NodeMetadata> Inputs => _session.InputMetadata;
    public IReadOnlyDictionary<string, NodeMetadata> Outputs => _session.OutputMetadata;

    /// <summary>Runs the graph on float32 inputs (name → data, shape) and returns every output (name → data, shape).</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> Run(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => OrtValue.CreateTensorValueFromMemory(inputs[n].Data, inputs[n].Shape)).ToArray();
        try
        {
            var outputNames = _session.OutputNames.ToArray();
            using var results = _session.Run(new RunOptions(), names, values, outputNames);
            var map = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
            int i = 0;
            foreach (var r in results)
                map[outputNames[i++]] = (r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape);
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>Streams driven through the step graph: the caller-held state goes in, the next state comes out.</summary>
sealed class OrtStreams(OnnxExport export, byte[] stepGraph, int batch) : IDisposable
{
    readonly Ort _ort = new(stepGraph);

    /// <summary>The state by input name, [batch, size] row-major; zeros = fresh streams.</summary>
    public Dictionary<string, float[]> State { get; } = export.States.ToDictionary(s => s.InputName, s => new float[batch * s.Size]);

    public float[] Step(float[] x)
    {
        var inputs = new Dictionary<string, (float[], long[])> { [OnnxExport.InputName] = (x, [batch, export.InputSize]) };
        foreach (var s in export.States) inputs[s.InputName] = (State[s.InputName], [batch, s.Size]);
        var outputs = _ort.Run(inputs);
        foreach (var s in export.States) State[s.InputName] = outputs[s.OutputName].Data;
        return outputs[OnnxExport.OutputName].Data;
    }

    public void Dispose() => _ort.Dispose();
}
