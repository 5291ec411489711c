using System.Globalization;
using Google.Protobuf;
using LmuSharp.IO;
using LmuSharp.Runtime;
using LmuSharp.Serialization;
using P = global::Onnx;

namespace LmuSharp.Onnx;

/// <summary>The two ONNX graphs of an LmuSharp model (docs/ONNX.md).</summary>
public enum OnnxGraph
{
    /// <summary>One streaming step: <c>x</c> [batch, input] and one input per state tensor → <c>y</c> [batch, output] and the next states.</summary>
    Step,
    /// <summary>A whole sequence from the zero state: <c>x</c> [batch, time, input] → <c>y</c> [batch, time, output] and the final states.</summary>
    Sequence,
}

/// <summary>One state tensor of the step graph: a graph input, and the graph output that holds its next value.</summary>
/// <param name="InputName">The step graph's input, e.g. <c>layer0_memory_in</c>.</param>
/// <param name="OutputName">The step graph's output holding the next state, e.g. <c>layer0_memory_out</c>; the sequence graph gives the final state under the same name.</param>
/// <param name="Layer">The layer index (0 = input layer).</param>
/// <param name="Component"><c>memory</c> (M, channel-major), <c>hidden</c> (h), <c>cell</c> (c) or <c>gilr</c> (h̃ of GILR-LSTM).</param>
/// <param name="Size">Floats per stream: the tensor is [batch, Size], float32.</param>
public sealed record OnnxStateTensor(string InputName, string OutputName, int Layer, string Component, int Size);

/// <summary>
/// Writes an LmuSharp model (the safetensors format of docs/FORMAT.md) as ONNX: a streaming step graph with the state as
/// explicit inputs and outputs, and a whole-sequence graph (the parallel convolution form for <c>parallel_lmu</c>, a Scan
/// over time for recurrent layers). Every architecture the C# runtime runs is covered, because the graphs are built from
/// the same file the runtime reads. The protobuf is the official onnx.proto compiled by Grpc.Tools and written by Google.Protobuf.
/// </summary>
public sealed class OnnxExport
{
    /// <summary>The ONNX operator set the graphs import (default domain).</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (IR 8 is the version of opset 17).</summary>
    public const long IrVersion = 8;

    /// <summary>The name of the input tensor in both graphs.</summary>
    public const string InputName = "x";

    /// <summary>The name of the output tensor in both graphs.</summary>
    public const string OutputName = "y";

    /// <summary>The Triton step graph's sequence-start control input ([batch, 1] float32, 1 at a stream's first step).</summary>
    public const string StartName = "START";

    readonly IReadOnlyDictionary<string, float[]> _tensors;
    readonly IReadOnlyDictionary<string, string> _metadata;
    readonly int _layers;

    /// <summary>Checks the model as the C# runtime does (the same errors) and prepares its export.</summary>
    /// <param name="model">The model file's tensors and metadata.</param>
    /// <exception cref="InvalidDataException">The file is malformed or its tensors disagree with its metadata.</exception>
    /// <exception cref="NotSupportedException">An architecture, layer type or format version that cannot be exported.</exception>
    public OnnxExport(SafeTensorsFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var runtime = LmuModel.FromSafeTensors(model); // every check of the runtime, with its messages
        _metadata = FormatUpgrade.ToCurrent(model.Metadata);
        _tensors = model.Tensors.ToDictionary(t => t.Key, t => t.Value.ToSingles(), StringComparer.Ordinal);
        _layers = int.Parse(_metadata["layers"], CultureInfo.InvariantCulture);
        InputSize = runtime.InputSize;
        OutputSize = runtime.OutputSize;
        States = CreateLayers().SelectMany((layer, i) => layer.States.Select(s =>
            new OnnxStateTensor($"layer{i}_{s.Name}_in", $"layer{i}_{s.Name}_out", i, s.Name, s.Size))).ToArray();
        if (States.Sum(s => s.Size) != runtime.StateFloats)
            throw new InvalidOperationException($"the ONNX state holds {States.Sum(s => s.Size)} floats, the runtime's {runtime.StateFloats}.");
    }

    /// <summary>Reads a .safetensors model file and prepares its export.</summary>
    /// <param name="path">The LmuSharp model file.</param>
    public static OnnxExport Load(string path) => new(SafeTensorsFile.Read(path));

    /// <summary>Floats per input step.</summary>
    public int InputSize { get; }

    /// <summary>Floats per output step.</summary>
    public int OutputSize { get; }

    /// <summary>The state tensors, in the order of the runtime's saved state (layer by layer; M, then h, c or h̃, c).</summary>
    public IReadOnlyList<OnnxStateTensor> States { get; }

    OnnxLayer[] CreateLayers() => Enumerable.Range(0, _layers).Select(i =>
    {
        var source = new LayerSource(_tensors, _metadata, i);
        return (OnnxLayer)(source.Text("type") switch
        {
            "parallel_lmu" => new ParallelLmuOnnx(source),
            "lmu_cell" => new LmuCellOnnx(source),
            "gilr" => new GilrOnnx(source),
            "gilr_lstm" => new GilrLstmOnnx(source),
            "sru" => new SruOnnx(source),
            "qrnn" => new QrnnOnnx(source),
            "dense" => new DenseOnnx(source),
            var type => throw new NotSupportedException($"layer {i} has type '{type}', which has no ONNX export."),
        });
    }).ToArray();

    /// <summary>The serialised ONNX model of one graph.</summary>
    /// <param name="graph">Which graph.</param>
    public byte[] ToBytes(OnnxGraph graph) => Build(graph, startInput: false).ToByteArray();

    /// <summary>The step graph for Triton's sequence batcher: as <see cref="OnnxGraph.Step"/> plus the <see cref="StartName"/> control input, which zeroes a stream's incoming state at its first step.</summary>
    public byte[] ToTritonStepBytes() => Build(OnnxGraph.Step, startInput: true).ToByteArray();

    /// <summary>Writes one graph to <paramref name="path"/> atomically (a complete file or none).</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="graph">Which graph.</param>
    public void Write(string path, OnnxGraph graph)
    {
        var bytes = ToBytes(graph);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    internal P.ModelProto Build(OnnxGraph graph, bool startInput)
    {
        var layers = CreateLayers();
        var g = new GraphBuilder(graph == OnnxGraph.Step ? "lmusharp_step" : "lmusharp_sequence");
        var x = g.Claim(InputName);
        var y = g.Claim(OutputName);
        foreach (var s in States) { g.Claim(s.InputName); g.Claim(s.OutputName); }
        string value = x;
        if (graph == OnnxGraph.Step)
        {
            g.Input(x, "batch", InputSize);
            foreach (var s in States) g.Input(s.InputName, "batch", s.Size);
            string? keep = null;
            if (startInput)
            {
                g.Input(g.Claim(StartName), "batch", 1);
                keep = g.Op("Sub", [g.Scalar(1f), StartName]); // 0 at a sequence's first step, else 1
            }
            int at = 0;
            foreach (var layer in layers)
            {
                var states = States.Skip(at).Take(layer.States.Count)
                    .Select(s => keep is null ? s.InputName : g.Op("Mul", [s.InputName, keep])).ToArray();
                value = layer.Step(g, value, states, out var next);
                for (int k = 0; k < next.Length; k++) g.Op("Identity", [next[k]], States[at + k].OutputName);
                at += next.Length;
            }
            g.Op("Identity", [value], y);
            g.Output(y, "batch", OutputSize);
            foreach (var s in States) g.Output(s.OutputName, "batch", s.Size);
        }
        else
        {
            g.Input(x, "batch", "time", InputSize);
            int at = 0;
            foreach (var layer in layers)
            {
                value = layer.Sequence(g, value, out var final);
                for (int k = 0; k < final.Length; k++) g.Op("Identity", [final[k]], States[at + k].OutputName);
                at += final.Length;
            }
            g.Op("Identity", [value], y);
            g.Output(y, "batch", "time", OutputSize);
            foreach (var s in States) g.Output(s.OutputName, "batch", s.Size);
        }

        var model = new P.ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "LmuSharp",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString(3) ?? "",
            Domain = "lmusharp",
            DocString = graph == OnnxGraph.Step
                ? "LmuSharp streaming step: feed x and the states (zeros for a fresh stream); carry the *_out states into the next call's *_in inputs."
                : "LmuSharp whole sequence from the zero state: x [batch, time, input] gives y for every step and the final states (*_out), which continue in the step graph.",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new P.OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, text) in _metadata.Where(m => !m.Key.Contains(".torch.", StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal))
            model.MetadataProps.Add(new P.StringStringEntryProto { Key = "lmusharp." + key, Value = text });
        model.MetadataProps.Add(new P.StringStringEntryProto { Key = "lmusharp.graph", Value = graph == OnnxGraph.Step ? "step" : "sequence" });
        return model;
    }
}
