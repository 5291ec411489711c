using Google.Protobuf;
using P = global::Onnx;

namespace LmuSharp.Onnx;

/// <summary>
/// Builds one ONNX graph (or a subgraph of Scan/Loop) node by node. Every value name is unique across the whole
/// model (a subgraph may read outer values, never shadow them); initializers always live in the main graph,
/// so a subgraph reads its weights from the outer scope. Nodes are appended in dependency order, which keeps
/// the graph topologically sorted as ONNX requires.
/// </summary>
internal sealed class GraphBuilder
{
    readonly GraphBuilder? _root;
    readonly HashSet<string> _names;
    readonly Dictionary<string, string> _constants;
    int _counter;

    public P.GraphProto Graph { get; } = new();

    /// <summary>A main graph.</summary>
    public GraphBuilder(string name)
    {
        Graph.Name = name;
        _names = new HashSet<string>(StringComparer.Ordinal);
        _constants = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    GraphBuilder(GraphBuilder root, string name)
    {
        _root = root;
        _names = root._names;
        _constants = root._constants;
        Graph.Name = name;
    }

    GraphBuilder Root => _root ?? this;

    /// <summary>A subgraph (the body of Scan or Loop) sharing this model's names and initializers.</summary>
    public GraphBuilder Subgraph(string name) => new(Root, name);

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        if (_names.Add(hint)) return hint;
        var root = Root;
        while (true)
        {
            var name = $"{hint}_{++root._counter}";
            if (_names.Add(name)) return name;
        }
    }

    /// <summary>Claims an exact name (graph inputs, outputs, initializers from the model file); a duplicate is a bug.</summary>
    public string Claim(string name) => _names.Add(name) ? name : throw new InvalidOperationException($"ONNX value name '{name}' used twice.");

    /// <summary>A float32 initializer of the main graph.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        var tensor = new P.TensorProto { Name = Root.Claim(name), DataType = (int)P.TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        Root.Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>An int64 constant (shapes, axes, pads), shared by value.</summary>
    public string Int64s(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var tensor = new P.TensorProto { Name = Root.Fresh("const_i64"), DataType = (int)P.TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Root.Graph.Initializer.Add(tensor);
        return _constants[key] = tensor.Name;
    }

    /// <summary>A float32 scalar constant, shared by value.</summary>
    public string Scalar(float value)
    {
        string key = "f32:" + BitConverter.SingleToInt32Bits(value);
        if (_constants.TryGetValue(key, out var existing)) return existing;
        var tensor = new P.TensorProto { Name = Root.Fresh("const_f32"), DataType = (int)P.TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        Root.Graph.Initializer.Add(tensor);
        return _constants[key] = tensor.Name;
    }

    /// <summary>Appends a node with one output and returns that output's name.</summary>
    public string Op(string op, string[] inputs, string? output = null, params P.AttributeProto[] attributes) =>
        OpMulti(op, inputs, [output ?? Fresh(op.ToLowerInvariant())], attributes)[0];

    /// <summary>Appends a node with the given outputs (already-claimed names).</summary>
    public string[] OpMulti(string op, string[] inputs, string[] outputs, params P.AttributeProto[] attributes)
    {
        var node = new P.NodeProto { OpType = op, Name = Fresh("node_" + op.ToLowerInvariant()) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Declares a float32 graph input of shape <paramref name="dims"/> (a string is a symbolic dimension).</summary>
    public void Input(string name, params object[] dims) => Graph.Input.Add(ValueInfo(name, P.TensorProto.Types.DataType.Float, dims));

    /// <summary>Declares a graph input of another element type.</summary>
    public void Input(string name, P.TensorProto.Types.DataType type, params object[] dims) => Graph.Input.Add(ValueInfo(name, type, dims));

    /// <summary>Declares a float32 graph output.</summary>
    public void Output(string name, params object[] dims) => Graph.Output.Add(ValueInfo(name, P.TensorProto.Types.DataType.Float, dims));

    /// <summary>Declares a graph output of another element type.</summary>
    public void Output(string name, P.TensorProto.Types.DataType type, params object[] dims) => Graph.Output.Add(ValueInfo(name, type, dims));

    static P.ValueInfoProto ValueInfo(string name, P.TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new P.TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string symbol => new P.TensorShapeProto.Types.Dimension { DimParam = symbol },
                int n => new P.TensorShapeProto.Types.Dimension { DimValue = n },
                long n => new P.TensorShapeProto.Types.Dimension { DimValue = n },
                _ => throw new ArgumentException($"dimension {d} is neither a size nor a symbol"),
            });
        return new P.ValueInfoProto
        {
            Name = name,
            Type = new P.TypeProto { TensorType = new P.TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static P.AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Int, I = value };

    public static P.AttributeProto Ints(string name, params long[] values)
    {
        var a = new P.AttributeProto { Name = name, Type = P.AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static P.AttributeProto GraphAttribute(string name, P.GraphProto graph) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Graph, G = graph };

    public static P.AttributeProto TensorAttribute(string name, P.TensorProto tensor) =>
        new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Tensor, T = tensor };
}
