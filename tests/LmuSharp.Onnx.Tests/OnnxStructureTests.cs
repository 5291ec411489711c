using System.Text.RegularExpressions;
using LmuSharp.Serialization;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using P = global::Onnx;

namespace LmuSharp.Onnx.Tests;

/// <summary>
/// The ONNX checker's rules that can be checked here (opset import, typed inputs and outputs, topological order,
/// single assignment, named unique initializers), the Triton config against the graph, and refusals before any file is written.
/// </summary>
public class OnnxStructureTests
{
    public static TheoryData<string> Names => new(Architecture.Names);

    static readonly HashSet<string> Opset17Operators =
    [
        "Add", "Sub", "Mul", "Div", "MatMul", "Tanh", "Sigmoid", "Relu", "Erf", "Identity", "Reshape", "Concat", "Split", "Shape",
        "ConstantOfShape", "Scan", "Loop", "Slice", "Squeeze", "Transpose", "Tile", "Pad", "Conv",
    ];

    [Theory, MemberData(nameof(Names))]
    public void Graphs_follow_the_onnx_rules(string name)
    {
        torch.manual_seed(1);
        var export = new OnnxExport(Architecture.Build(name).File);
        foreach (var bytes in new[] { export.ToBytes(OnnxGraph.Step), export.ToBytes(OnnxGraph.Sequence), export.ToTritonStepBytes() })
        {
            var model = P.ModelProto.Parser.ParseFrom(bytes);
            Assert.Equal(OnnxExport.IrVersion, model.IrVersion);
            var opset = Assert.Single(model.OpsetImport);
            Assert.Equal("", opset.Domain);
            Assert.True(opset.Version >= 17);
            var graph = model.Graph;

            var initializers = graph.Initializer.Select(i => i.Name).ToList();
            Assert.All(initializers, n => Assert.False(string.IsNullOrEmpty(n)));
            Assert.Equal(initializers.Count, initializers.Distinct().Count());
            foreach (var tensor in graph.Initializer)
            {
                long count = tensor.Dims.Aggregate(1L, (p, d) => p * d);
                long stored = tensor.DataType == (int)P.TensorProto.Types.DataType.Float
                    ? (tensor.RawData.Length > 0 ? tensor.RawData.Length / 4 : tensor.FloatData.Count) : tensor.Int64Data.Count;
                Assert.Equal(count, stored);
            }
            Assert.All(graph.Input.Concat(graph.Output), Typed);
            Assert.Contains(graph.Input, i => i.Name == OnnxExport.InputName);
            Assert.Contains(graph.Output, o => o.Name == OnnxExport.OutputName);

            var assigned = new HashSet<string>(StringComparer.Ordinal);
            CheckGraph(graph, new HashSet<string>(initializers.Concat(graph.Input.Select(i => i.Name)), StringComparer.Ordinal), assigned);
            Assert.All(graph.Output, o => Assert.Contains(o.Name, assigned));
        }
    }

    static void Typed(P.ValueInfoProto value)
    {
        Assert.False(string.IsNullOrEmpty(value.Name));
        Assert.NotNull(value.Type?.TensorType);
        Assert.NotEqual(0, value.Type!.TensorType.ElemType);
        Assert.NotNull(value.Type.TensorType.Shape);
    }

    /// <summary>Every node reads only values defined before it (in this graph or an enclosing one) and defines new ones.</summary>
    static void CheckGraph(P.GraphProto graph, HashSet<string> available, HashSet<string> assigned)
    {
        foreach (var node in graph.Node)
        {
            Assert.Contains(node.OpType, Opset17Operators);
            Assert.Equal("", node.Domain);
            foreach (var input in node.Input.Where(i => i.Length > 0))
                Assert.True(available.Contains(input), $"node {node.Name} ({node.OpType}) reads '{input}' before it is defined");
            foreach (var attribute in node.Attribute.Where(a => a.G is not null))
            {
                Assert.All(attribute.G.Input.Concat(attribute.G.Output), Typed);
                var inner = new HashSet<string>(available, StringComparer.Ordinal);
                foreach (var i in attribute.G.Input) Assert.True(inner.Add(i.Name), $"subgraph input '{i.Name}' shadows an outer value");
                CheckGraph(attribute.G, inner, assigned);
                Assert.All(attribute.G.Output, o => Assert.Contains(o.Name, inner));
            }
            foreach (var output in node.Output)
            {
                Assert.True(assigned.Add(output), $"'{output}' is assigned twice");
                Assert.True(available.Add(output), $"'{output}' shadows an input or initializer");
            }
        }
    }

    [Fact]
    public void Triton_config_matches_the_graph_it_serves()
    {
        torch.manual_seed(2);
        var export = new OnnxExport(Architecture.Build("cell-lstm").File);
        var directory = Path.Combine(Path.GetTempPath(), $"lmu-triton-{Guid.NewGuid():N}");
        try
        {
            var folder = TritonRepository.Write(export, directory, "kws", maxBatchSize: 32);
            var config = File.ReadAllText(Path.Combine(folder, "config.pbtxt"));
            using var session = new InferenceSession(Path.Combine(folder, "1", "model.onnx"));

            Assert.Matches("(?m)^name: \"kws\"$", config);
            Assert.Matches("(?m)^backend: \"onnxruntime\"$", config);
            Assert.Matches("(?m)^max_batch_size: 32$", config);
            // The model's own inputs: x, START and one per state; outputs y and one per state. The batch dimension
            // is dynamic in the graph and left out of the config's dims (max_batch_size > 0).
            var declared = Regex.Matches(config, @"\{ name: ""(\w+)"" data_type: (\w+) dims: \[ (\d+) \] \}").ToDictionary(m => m.Groups[1].Value, m => (m.Groups[2].Value, int.Parse(m.Groups[3].Value)));
            Assert.Equal(("TYPE_FP32", export.InputSize), declared[OnnxExport.InputName]);
            Assert.Equal(("TYPE_FP32", export.OutputSize), declared[OnnxExport.OutputName]);
            CheckTensor(session.InputMetadata[OnnxExport.InputName], export.InputSize);
            CheckTensor(session.OutputMetadata[OnnxExport.OutputName], export.OutputSize);

            var control = Regex.Match(config, @"control_input \[\s*\{\s*name: ""(\w+)""\s*control \[ \{ kind: CONTROL_SEQUENCE_START fp32_false_true: \[ 0, 1 \] \} \]");
            Assert.True(control.Success, "the START control input is missing");
            CheckTensor(session.InputMetadata[control.Groups[1].Value], 1);

            var states = Regex.Matches(config, @"input_name: ""(\w+)""\s*output_name: ""(\w+)""\s*data_type: (\w+)\s*dims: \[ (\d+) \]\s*initial_state: \{ name: ""\w+"" data_type: (\w+) dims: \[ (\d+) \] zero_data: true \}");
            Assert.Equal(export.States.Count, states.Count);
            Assert.Equal(export.States.Count, Regex.Matches(config, "input_name:").Count);
            foreach (var (s, m) in export.States.Zip(states))
            {
                Assert.Equal(s.InputName, m.Groups[1].Value);
                Assert.Equal(s.OutputName, m.Groups[2].Value);
                Assert.Equal("TYPE_FP32", m.Groups[3].Value);
                Assert.Equal("TYPE_FP32", m.Groups[5].Value);
                Assert.Equal(s.Size, int.Parse(m.Groups[4].Value));
                Assert.Equal(s.Size, int.Parse(m.Groups[6].Value));
                CheckTensor(session.InputMetadata[s.InputName], s.Size);
                CheckTensor(session.OutputMetadata[s.OutputName], s.Size);
            }
            Assert.Equal(export.States.Count + 2, session.InputMetadata.Count);
            Assert.Equal(export.States.Count + 1, session.OutputMetadata.Count);
            Assert.Equal(CountBraces(config, '{'), CountBraces(config, '}'));
            Assert.Equal(CountBraces(config, '['), CountBraces(config, ']'));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    static int CountBraces(string text, char c) => text.Count(ch => ch == c);

    static void CheckTensor(NodeMetadata metadata, int size)
    {
        Assert.Equal(typeof(float), metadata.ElementType);
        Assert.Equal([-1, size], metadata.Dimensions);
    }

    [Fact]
    public void Triton_step_graph_starts_a_stream_from_zero_when_START_is_set()
    {
        torch.manual_seed(3);
        var export = new OnnxExport(Architecture.Build("cell-gru").File);
        using var triton = new Ort(export.ToTritonStepBytes());
        using var plain = new Ort(export.ToBytes(OnnxGraph.Step));
        var x = new float[] { 0.3f, -1.2f, 0.7f, 0.1f, 0.2f, -0.4f };
        var stale = export.States.ToDictionary(s => s.InputName, s => Enumerable.Range(0, 2 * s.Size).Select(i => (float)Math.Sin(i)).ToArray());
        Dictionary<string, (float[], long[])> Inputs(bool zero)
        {
            var inputs = new Dictionary<string, (float[], long[])> { [OnnxExport.InputName] = (x, [2, 3]) };
            foreach (var s in export.States) inputs[s.InputName] = (zero ? new float[2 * s.Size] : stale[s.InputName], [2, s.Size]);
            return inputs;
        }
        var fresh = plain.Run(Inputs(zero: true));
        var continued = plain.Run(Inputs(zero: false));
        var withStart = Inputs(zero: false);
        withStart[OnnxExport.StartName] = (new float[] { 1, 0 }, [2, 1]); // stream 0 starts, stream 1 continues
        var result = triton.Run(withStart)[OnnxExport.OutputName].Data;
        int m = export.OutputSize;
        Assert.Equal(fresh[OnnxExport.OutputName].Data.AsSpan(0, m).ToArray(), result.AsSpan(0, m).ToArray());
        Assert.Equal(continued[OnnxExport.OutputName].Data.AsSpan(m, m).ToArray(), result.AsSpan(m, m).ToArray());
    }

    [Fact]
    public void A_model_that_cannot_be_exported_is_refused_before_any_file_is_written()
    {
        torch.manual_seed(4);
        var file = Architecture.Build("parallel-none").File;
        var metadata = new Dictionary<string, string>(file.Metadata) { ["layers.0.type"] = "bidirectional_lmu" };
        var path = Path.Combine(Path.GetTempPath(), $"lmu-refused-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<NotSupportedException>(() => new OnnxExport(new SafeTensorsFile(file.Tensors, metadata)).Write(path, OnnxGraph.Step));
        Assert.Contains("'bidirectional_lmu'", e.Message);
        Assert.False(File.Exists(path));
        var bad = new Dictionary<string, string>(file.Metadata) { ["layers.0.input_activation"] = "softplus" };
        var invalid = Assert.Throws<InvalidDataException>(() => new OnnxExport(new SafeTensorsFile(file.Tensors, bad)));
        Assert.Contains("layers.0.input_activation", invalid.Message);
    }

    [Fact]
    public void Files_are_replaced_atomically_and_version_1_files_export()
    {
        torch.manual_seed(5);
        var file = Architecture.Build("parallel-none").File;
        var directory = Path.Combine(Path.GetTempPath(), $"lmu-atomic-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var path = Path.Combine(directory, "model.onnx");
            File.WriteAllText(path, "old");
            var export = new OnnxExport(file);
            export.Write(path, OnnxGraph.Step);
            Assert.Equal(export.ToBytes(OnnxGraph.Step), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], Directory.GetFiles(directory).Select(Path.GetFileName));

            // A version-1 file (memory_size for the number of channels) exports to the same graph.
            var v1 = file.Metadata.ToDictionary(m => m.Key == "layers.0.memory_d" ? "layers.0.memory_size" : m.Key, m => m.Value);
            v1["format_version"] = "1";
            var old = new OnnxExport(new SafeTensorsFile(file.Tensors, v1));
            Assert.Equal(export.States, old.States);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
