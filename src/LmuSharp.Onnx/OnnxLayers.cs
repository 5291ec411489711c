using System.Globalization;
using P = global::Onnx;

namespace LmuSharp.Onnx;

/// <summary>A layer's tensors and metadata (docs/FORMAT.md) under its <c>layers.{i}.</c> prefix, already validated by the runtime.</summary>
internal sealed class LayerSource(IReadOnlyDictionary<string, float[]> tensors, IReadOnlyDictionary<string, string> metadata, int index)
{
    public int Index => index;
    public string Prefix => $"layers.{index}.";
    public string Text(string key) => metadata[Prefix + key];
    public int Int(string key) => int.Parse(Text(key), CultureInfo.InvariantCulture);
    public bool Bool(string key) => Text(key) == "true";
    public Activation Activation(string key) => ActivationNames.Parse(Text(key));
    public float[] Tensor(string name) => tensors[Prefix + name];
}

/// <summary>
/// One layer as ONNX nodes: its streaming step on [batch, features] values with explicit state, and its
/// whole-sequence form on [batch, time, features]. State components are in the runtime's order (docs/FORMAT.md §5).
/// </summary>
internal abstract class OnnxLayer(LayerSource source)
{
    protected LayerSource Source => source;
    public abstract int InputSize { get; }
    public abstract int OutputSize { get; }

    /// <summary>The state components (name, floats per stream), in the order of the runtime's saved state.</summary>
    public abstract IReadOnlyList<(string Name, int Size)> States { get; }

    /// <summary>Appends one step: from x [batch, InputSize] and the states, returns y and the next states.</summary>
    public abstract string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next);

    /// <summary>
    /// Appends the whole sequence from the zero state: x [batch, time, InputSize] → y [batch, time, OutputSize], with the
    /// states after the last step. The default runs <see cref="Step"/> inside an ONNX Scan over the time axis.
    /// </summary>
    public virtual string Sequence(GraphBuilder g, string x, out string[] final)
    {
        if (States.Count == 0) return Step(g, x, [], out final); // feed-forward: the step broadcasts over time
        var body = g.Subgraph($"layer{Source.Index}_scan_body");
        var statesIn = States.Select(s => body.Fresh($"layer{Source.Index}_{s.Name}_prev")).ToArray();
        for (int i = 0; i < States.Count; i++) body.Input(statesIn[i], "batch", States[i].Size);
        var xt = body.Fresh($"layer{Source.Index}_x_t");
        body.Input(xt, "batch", InputSize);
        var y = Step(body, xt, statesIn, out var next);
        // Scan body outputs must be fresh values: pass each through Identity under its declared name.
        var outputs = next.Append(y).Select((v, i) => body.Op("Identity", [v], body.Fresh(i < next.Length ? $"layer{Source.Index}_{States[i].Name}_next" : $"layer{Source.Index}_y_t"))).ToArray();
        for (int i = 0; i < States.Count; i++) body.Output(outputs[i], "batch", States[i].Size);
        body.Output(outputs[^1], "batch", OutputSize);

        var zeros = States.Select(s => Zeros(g, x, s.Size)).ToArray();
        final = States.Select(s => g.Fresh($"layer{Source.Index}_{s.Name}_final")).ToArray();
        var ySequence = g.Fresh($"layer{Source.Index}_y");
        g.OpMulti("Scan", [.. zeros, x], [.. final, ySequence],
            GraphBuilder.GraphAttribute("body", body.Graph), GraphBuilder.Int("num_scan_inputs", 1),
            GraphBuilder.Ints("scan_input_axes", 1), GraphBuilder.Ints("scan_output_axes", 1));
        return ySequence;
    }

    /// <summary>Zeros [batch, size] with the batch of x.</summary>
    protected static string Zeros(GraphBuilder g, string x, int size)
    {
        var batch = g.Op("Shape", [x], null, GraphBuilder.Int("start", 0), GraphBuilder.Int("end", 1));
        var shape = g.Op("Concat", [batch, g.Int64s(size)], null, GraphBuilder.Int("axis", 0));
        var zero = new P.TensorProto { DataType = (int)P.TensorProto.Types.DataType.Float, Name = "zero" };
        zero.Dims.Add(1);
        zero.FloatData.Add(0f);
        return g.Op("ConstantOfShape", [shape], null, GraphBuilder.TensorAttribute("value", zero));
    }

    // The initializers made so far: a layer object builds exactly one graph.
    readonly Dictionary<string, string> _weights = new(StringComparer.Ordinal);

    /// <summary>Wᵀ of the [rows, columns] tensor <paramref name="name"/> as an initializer [columns, rows], so x·Wᵀ is one MatMul.</summary>
    protected string Transposed(GraphBuilder g, string name, int rows, int columns)
    {
        if (_weights.TryGetValue(name, out var existing)) return existing;
        var w = Source.Tensor(name);
        var t = new float[w.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) t[c * rows + r] = w[r * columns + c];
        return _weights[name] = g.Initializer(Source.Prefix + name + ".T", t, columns, rows);
    }

    /// <summary>The tensor <paramref name="name"/> as an initializer of the given shape.</summary>
    protected string Weight(GraphBuilder g, string name, params long[] dims) =>
        _weights.TryGetValue(name, out var existing) ? existing : _weights[name] = g.Initializer(Source.Prefix + name, Source.Tensor(name), dims);

    /// <summary>x·Wᵀ (+ b): nn.Linear on the last axis, for [batch, in] and [batch, time, in] alike.</summary>
    protected string Linear(GraphBuilder g, string x, string weight, string? bias, int outputs, int inputs)
    {
        var product = g.Op("MatMul", [x, Transposed(g, weight, outputs, inputs)]);
        return bias is null ? product : g.Op("Add", [product, Weight(g, bias, outputs)]);
    }

    protected static string Apply(GraphBuilder g, Activation activation, string x) => activation switch
    {
        Activation.Identity => x,
        Activation.Tanh => g.Op("Tanh", [x]),
        Activation.Sigmoid => g.Op("Sigmoid", [x]),
        Activation.Relu => g.Op("Relu", [x]),
        // Exact GELU, ½ x (1 + erf(x/√2)), with opset-17 operators (Gelu itself arrived in opset 20).
        Activation.Gelu => g.Op("Mul", [g.Op("Mul", [x, g.Scalar(0.5f)]),
            g.Op("Add", [g.Op("Erf", [g.Op("Mul", [x, g.Scalar((float)(1 / Math.Sqrt(2)))])]), g.Scalar(1f)])]),
        _ => throw new NotSupportedException($"activation {activation} has no ONNX form"),
    };

    protected static string[] Split(GraphBuilder g, string x, int parts, int size)
    {
        var outputs = Enumerable.Range(0, parts).Select(_ => g.Fresh("split")).ToArray();
        return g.OpMulti("Split", [x, g.Int64s(Enumerable.Repeat((long)size, parts).ToArray())], outputs, GraphBuilder.Int("axis", -1));
    }

    protected static string Concat(GraphBuilder g, params string[] parts) => g.Op("Concat", parts, null, GraphBuilder.Int("axis", -1));
}

/// <summary>The Legendre memory of an LMU layer: C channels of order d sharing Ā, B̄; vec(M) is channel-major.</summary>
internal sealed class MemoryNodes(LayerSource source)
{
    public int Channels { get; } = source.Int("memory_d");
    public int Order { get; } = source.Int("order");
    public int Floats => Channels * Order;
    string? _aBarT, _bBar;

    string ABarT(GraphBuilder g)
    {
        if (_aBarT is not null) return _aBarT;
        var a = source.Tensor("A_bar");
        var t = new float[a.Length];
        for (int i = 0; i < Order; i++)
            for (int j = 0; j < Order; j++) t[j * Order + i] = a[i * Order + j];
        return _aBarT = g.Initializer(source.Prefix + "A_bar.T", t, Order, Order);
    }

    /// <summary>H_0 … H_{L−1} row by row, and (Āᴸ)ᵀ, both computed in double precision from the file's float32 Ā, B̄.</summary>
    (float[] Block, float[] PowerTransposed) ImpulseTables(int length)
    {
        int d = Order;
        var a = source.Tensor("A_bar");
        var h = source.Tensor("B_bar").Select(v => (double)v).ToArray();
        var block = new float[length * d];
        for (int k = 0; k < length; k++)
        {
            for (int i = 0; i < d; i++) block[k * d + i] = (float)h[i];
            var next = new double[d];
            for (int i = 0; i < d; i++)
            {
                double sum = 0;
                for (int j = 0; j < d; j++) sum += a[i * d + j] * h[j];
                next[i] = sum;
            }
            h = next;
        }
        // Āᴸ by repeated squaring in double.
        var power = Identity(d);
        var square = a.Select(v => (double)v).ToArray();
        for (int e = length; e > 0; e >>= 1)
        {
            if ((e & 1) != 0) power = Multiply(power, square, d);
            square = Multiply(square, square, d);
        }
        var transposed = new float[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) transposed[j * d + i] = (float)power[i * d + j];
        return (block, transposed);
    }

    static double[] Identity(int d)
    {
        var m = new double[d * d];
        for (int i = 0; i < d; i++) m[i * d + i] = 1;
        return m;
    }

    static double[] Multiply(double[] p, double[] q, int d)
    {
        var r = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            var row = r.AsSpan(i * d, d);
            for (int k = 0; k < d; k++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(q.AsSpan(k * d, d), p[i * d + k], row, row);
        }
        return r;
    }
    string BBar(GraphBuilder g) => _bBar ??= g.Initializer(source.Prefix + "B_bar", source.Tensor("B_bar"), Order);

    /// <summary>M_t = M_{t−1} Āᵀ + u_t B̄ᵀ on m [batch, C·d] and u [batch, C].</summary>
    public string Step(GraphBuilder g, string m, string u)
    {
        if (Channels == 1) // no reshapes needed: m is [batch, d], u is [batch, 1]
            return g.Op("Add", [g.Op("MatMul", [m, ABarT(g)]), g.Op("Mul", [u, BBar(g)])]);
        var m3 = g.Op("Reshape", [m, g.Int64s(-1, Channels, Order)]);
        var u3 = g.Op("Reshape", [u, g.Int64s(-1, Channels, 1)]);
        var next = g.Op("Add", [g.Op("MatMul", [m3, ABarT(g)]), g.Op("Mul", [u3, BBar(g)])]);
        return g.Op("Reshape", [next, g.Int64s(-1, Floats)]);
    }

    /// <summary>Rows of the impulse response stored in the graph; longer inputs extend it a block at a time.</summary>
    public const int ImpulseBlock = 256;

    /// <summary>
    /// The whole sequence without feedback: M_t = Σ_{s≤t} H_{t−s} u_s with the impulse response H_k = Āᵏ B̄, as one causal
    /// convolution. H_0 … H_{L−1} (L = <see cref="ImpulseBlock"/>) are computed at export in double precision and stored;
    /// for a longer input the graph extends them block by block (H_{k+L} = Āᴸ H_k, one matrix product per block of L steps,
    /// with Āᴸ also from double precision), so the result is exact for every T, with no length fixed at export.
    /// u [batch, T, C] → M [batch, T, C·d].
    /// </summary>
    public string Sequence(GraphBuilder g, string u, string x, int index)
    {
        const int L = ImpulseBlock;
        int d = Order;
        var (block, powerT) = ImpulseTables(L);
        var first = g.Initializer(source.Prefix + "impulse_response", block, L, d);       // [L, d]: H_0 … H_{L−1}
        var stride = g.Initializer(source.Prefix + "A_bar_pow_block.T", powerT, d, d);     // (Āᴸ)ᵀ
        var time = g.Op("Shape", [x], null, GraphBuilder.Int("start", 1), GraphBuilder.Int("end", 2)); // [T]
        // ceil(T / L) iterations, at least one; iteration j emits block j and computes block j+1.
        var blocks = g.Op("Reshape", [g.Op("Div", [g.Op("Add", [time, g.Int64s(L - 1)]), g.Int64s(L)]), g.Int64s()]);

        var body = g.Subgraph($"layer{index}_impulse_body");
        var iteration = body.Fresh($"layer{index}_block");
        var condition = body.Fresh($"layer{index}_cond");
        var current = body.Fresh($"layer{index}_h_block");
        body.Input(iteration, P.TensorProto.Types.DataType.Int64);
        body.Input(condition, P.TensorProto.Types.DataType.Bool);
        body.Input(current, L, d);
        var keep = body.Op("Identity", [condition], body.Fresh($"layer{index}_cond_next"));
        var next = body.Op("MatMul", [current, stride], body.Fresh($"layer{index}_h_block_next"));
        var emitted = body.Op("Identity", [current], body.Fresh($"layer{index}_h_block_out"));
        body.Output(keep, P.TensorProto.Types.DataType.Bool);
        body.Output(next, L, d);
        body.Output(emitted, L, d);

        var last = g.Fresh($"layer{index}_h_last");
        var stacked = g.Fresh($"layer{index}_impulse_blocks"); // [blocks, L, d]
        g.OpMulti("Loop", [blocks, "", first], [last, stacked], GraphBuilder.GraphAttribute("body", body.Graph));
        var impulse = g.Op("Slice", [g.Op("Reshape", [stacked, g.Int64s(-1, d)]), g.Int64s(0), time, g.Int64s(0)]); // [T, d]

        // Conv computes a correlation, so the kernel is H reversed in time: W[c·d + j, 0, k] = H_{T−1−k}[j].
        var reversed = g.Op("Slice", [impulse, g.Int64s(-1), g.Int64s(long.MinValue), g.Int64s(0), g.Int64s(-1)]);
        var kernel = g.Op("Reshape", [g.Op("Transpose", [reversed], null, GraphBuilder.Ints("perm", 1, 0)), g.Int64s(Order, 1, -1)]);
        if (Channels > 1) kernel = g.Op("Tile", [kernel, g.Int64s(Channels, 1, 1)]);
        var channelsFirst = g.Op("Transpose", [u], null, GraphBuilder.Ints("perm", 0, 2, 1));             // [B, C, T]
        var leftPad = g.Op("Sub", [time, g.Int64s(1)]);
        var pads = g.Op("Concat", [g.Int64s(0, 0), leftPad, g.Int64s(0, 0, 0)], null, GraphBuilder.Int("axis", 0));
        var padded = g.Op("Pad", [channelsFirst, pads]);                                                   // [B, C, 2T−1]
        var memory = g.Op("Conv", [padded, kernel], null, GraphBuilder.Int("group", Channels));             // [B, C·d, T]
        return g.Op("Transpose", [memory], null, GraphBuilder.Ints("perm", 0, 2, 1));                      // [B, T, C·d]
    }
}

/// <summary><c>parallel_lmu</c>: step by step for streaming; the convolution form for a whole sequence.</summary>
internal sealed class ParallelLmuOnnx(LayerSource s) : OnnxLayer(s)
{
    readonly MemoryNodes _memory = new(s);
    readonly bool _hasOutput = s.Text("hidden_cell") == "linear";
    bool WithInput => _hasOutput && Source.Bool("input_to_hidden");
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => _hasOutput ? Source.Int("hidden_size") : _memory.Floats;
    public override IReadOnlyList<(string, int)> States => [("memory", _memory.Floats)];

    string Encode(GraphBuilder g, string x) =>
        Apply(g, Source.Activation("input_activation"), Linear(g, x, "input_encoder.weight", "input_encoder.bias", _memory.Channels, InputSize));

    string Output(GraphBuilder g, string m, string x)
    {
        if (!_hasOutput) return m;
        var features = WithInput ? Concat(g, m, x) : m;
        return Apply(g, Source.Activation("hidden_activation"),
            Linear(g, features, "hidden.weight", "hidden.bias", OutputSize, _memory.Floats + (WithInput ? InputSize : 0)));
    }

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        var m = _memory.Step(g, states[0], Encode(g, x));
        next = [m];
        return Output(g, m, x);
    }

    public override string Sequence(GraphBuilder g, string x, out string[] final)
    {
        var m = _memory.Sequence(g, Encode(g, x), x, Source.Index);
        final = [g.Op("Squeeze", [g.Op("Slice", [m, g.Int64s(-1), g.Int64s(long.MaxValue), g.Int64s(1)]), g.Int64s(1)])];
        return Output(g, m, x);
    }
}

/// <summary><c>lmu_cell</c>: the general LMU cell; a Scan over time for a whole sequence.</summary>
internal sealed class LmuCellOnnx(LayerSource s) : OnnxLayer(s)
{
    readonly MemoryNodes _memory = new(s);
    readonly string _kind = s.Text("hidden_cell");
    int Hidden => _kind == "none" ? 0 : Source.Int("hidden_size");
    bool WithInput => Source.Bool("input_to_hidden");
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => _kind == "none" ? _memory.Floats : Hidden;
    public override IReadOnlyList<(string, int)> States => _kind switch
    {
        "none" => [("memory", _memory.Floats)],
        "lstm" => [("memory", _memory.Floats), ("hidden", Hidden), ("cell", Hidden)],
        _ => [("memory", _memory.Floats), ("hidden", Hidden)],
    };

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        int c = _memory.Channels;
        var u = Linear(g, x, "input_encoder.weight", "input_encoder.bias", c, InputSize);
        if (Source.Bool("hidden_to_memory")) u = g.Op("Add", [u, Linear(g, states[1], "hidden_encoder.weight", null, c, Hidden)]);
        if (Source.Bool("memory_to_memory")) u = g.Op("Add", [u, Linear(g, states[0], "memory_encoder.weight", null, c, _memory.Floats)]);
        var m = _memory.Step(g, states[0], u);
        if (_kind == "none") { next = [m]; return m; }
        var z = WithInput ? Concat(g, m, x) : m;
        int zSize = _memory.Floats + (WithInput ? InputSize : 0), n = Hidden;
        if (_kind == "linear")
        {
            var h = Apply(g, Source.Activation("hidden_activation"), Linear(g, z, "hidden.weight", "hidden.bias", n, zSize));
            next = [m, h];
            return h;
        }
        int gates = _kind switch { "rnn" => 1, "gru" => 3, _ => 4 };
        var gi = Linear(g, z, "hidden.weight_ih", "hidden.bias_ih", gates * n, zSize);
        var gh = Linear(g, states[1], "hidden.weight_hh", "hidden.bias_hh", gates * n, n);
        switch (_kind)
        {
            case "rnn":
            {
                var h = Apply(g, Source.Activation("hidden_activation"), g.Op("Add", [gi, gh]));
                next = [m, h];
                return h;
            }
            case "gru":
            {
                var i = Split(g, gi, 3, n);
                var hh = Split(g, gh, 3, n);
                var r = g.Op("Sigmoid", [g.Op("Add", [i[0], hh[0]])]);
                var update = g.Op("Sigmoid", [g.Op("Add", [i[1], hh[1]])]);
                var candidate = g.Op("Tanh", [g.Op("Add", [i[2], g.Op("Mul", [r, hh[2]])])]);
                var h = g.Op("Add", [candidate, g.Op("Mul", [update, g.Op("Sub", [states[1], candidate])])]); // n + z ⊙ (h − n)
                next = [m, h];
                return h;
            }
            default: // lstm, gates i, f, g, o
            {
                var parts = Split(g, g.Op("Add", [gi, gh]), 4, n);
                var cell = g.Op("Add", [g.Op("Mul", [g.Op("Sigmoid", [parts[1]]), states[2]]),
                    g.Op("Mul", [g.Op("Sigmoid", [parts[0]]), g.Op("Tanh", [parts[2]])])]);
                var h = g.Op("Mul", [g.Op("Sigmoid", [parts[3]]), g.Op("Tanh", [cell])]);
                next = [m, h, cell];
                return h;
            }
        }
    }
}

/// <summary><c>gilr</c>: h_t = g_t ⊙ h_{t−1} + (1 − g_t) ⊙ i_t.</summary>
internal sealed class GilrOnnx(LayerSource s, string prefix = "") : OnnxLayer(s)
{
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => Source.Int("hidden_size");
    public override IReadOnlyList<(string, int)> States => [("hidden", OutputSize)];

    /// <summary>The next h from x and the previous h (also used inside GILR-LSTM under the prefix <c>gilr.</c>).</summary>
    public string Recurrence(GraphBuilder g, string x, string h)
    {
        var gate = g.Op("Sigmoid", [Linear(g, x, prefix + "gate.weight", prefix + "gate.bias", OutputSize, InputSize)]);
        var candidate = g.Op("Tanh", [Linear(g, x, prefix + "candidate.weight", prefix + "candidate.bias", OutputSize, InputSize)]);
        return g.Op("Add", [candidate, g.Op("Mul", [gate, g.Op("Sub", [h, candidate])])]); // i + g ⊙ (h − i)
    }

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        var h = Recurrence(g, x, states[0]);
        next = [h];
        return h;
    }
}

/// <summary><c>gilr_lstm</c>: LSTM-style gates read h̃_{t−1} and x_t; c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ c_t.</summary>
internal sealed class GilrLstmOnnx : OnnxLayer
{
    readonly GilrOnnx _gilr;
    public GilrLstmOnnx(LayerSource s) : base(s) => _gilr = new GilrOnnx(s, "gilr.");
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => Source.Int("hidden_size");
    public override IReadOnlyList<(string, int)> States => [("gilr", OutputSize), ("cell", OutputSize)];

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        int n = OutputSize;
        var gates = g.Op("Add", [Linear(g, states[0], "gates.weight_h", "gates.bias", 4 * n, n), Linear(g, x, "gates.weight_x", null, 4 * n, InputSize)]);
        var parts = Split(g, gates, 4, n);
        var tilde = _gilr.Recurrence(g, x, states[0]);
        var cell = g.Op("Add", [g.Op("Mul", [g.Op("Sigmoid", [parts[1]]), states[1]]),
            g.Op("Mul", [g.Op("Sigmoid", [parts[0]]), g.Op("Tanh", [parts[2]])])]);
        var h = g.Op("Mul", [g.Op("Sigmoid", [parts[3]]), cell]);
        next = [tilde, cell];
        return h;
    }
}

/// <summary><c>sru</c>: [x̃; f̂; r̂] = W x + b; c_t = x̃ + σ(f̂) ⊙ (c_{t−1} − x̃); h_t = s + σ(r̂) ⊙ (tanh(c_t) − s), s = x or W_s x.</summary>
internal sealed class SruOnnx(LayerSource s) : OnnxLayer(s)
{
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => Source.Int("hidden_size");
    public override IReadOnlyList<(string, int)> States => [("cell", OutputSize)];

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        int n = OutputSize;
        var parts = Split(g, Linear(g, x, "gates.weight", "gates.bias", 3 * n, InputSize), 3, n);
        var cell = ForgetPool(g, states[0], g.Op("Sigmoid", [parts[1]]), parts[0]);
        var skip = InputSize == n ? x : Linear(g, x, "skip.weight", null, n, InputSize);
        next = [cell];
        return g.Op("Add", [skip, g.Op("Mul", [g.Op("Sigmoid", [parts[2]]), g.Op("Sub", [g.Op("Tanh", [cell]), skip])])]);
    }

    /// <summary>f ⊙ c + (1 − f) ⊙ z = z + f ⊙ (c − z), as the runtime computes it.</summary>
    internal static string ForgetPool(GraphBuilder g, string c, string f, string z) => g.Op("Add", [z, g.Op("Mul", [f, g.Op("Sub", [c, z])])]);
}

/// <summary>
/// <c>qrnn</c>, window k: w_t = [the last k − 1 inputs; x_t]; [ẑ; f̂; ô] = W w_t + b; c_t = tanh(ẑ) + σ(f̂) ⊙ (c_{t−1} − tanh(ẑ));
/// h_t = σ(ô) ⊙ c_t. State: c, then the last k − 1 inputs flattened (none for k = 1), as in the runtime.
/// </summary>
internal sealed class QrnnOnnx(LayerSource s) : OnnxLayer(s)
{
    int Window => Source.Int("window");
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => Source.Int("hidden_size");
    public override IReadOnlyList<(string, int)> States =>
        Window > 1 ? [("cell", OutputSize), ("window", (Window - 1) * InputSize)] : [("cell", OutputSize)];

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        int n = OutputSize, width = Window * InputSize;
        var w = Window > 1 ? Concat(g, states[1], x) : x;
        var parts = Split(g, Linear(g, w, "gates.weight", "gates.bias", 3 * n, width), 3, n);
        var cell = SruOnnx.ForgetPool(g, states[0], g.Op("Sigmoid", [parts[1]]), g.Op("Tanh", [parts[0]]));
        next = Window > 1 ? [cell, g.Op("Slice", [w, g.Int64s(InputSize), g.Int64s(width), g.Int64s(-1)])] : [cell];
        return g.Op("Mul", [g.Op("Sigmoid", [parts[2]]), cell]);
    }
}

/// <summary><c>dense</c>: y = act(W x + b) on the last axis.</summary>
internal sealed class DenseOnnx(LayerSource s) : OnnxLayer(s)
{
    public override int InputSize => Source.Int("input_size");
    public override int OutputSize => Source.Int("output_size");
    public override IReadOnlyList<(string, int)> States => [];

    public override string Step(GraphBuilder g, string x, IReadOnlyList<string> states, out string[] next)
    {
        next = [];
        return Apply(g, Source.Activation("activation"), Linear(g, x, "weight", "bias", OutputSize, InputSize));
    }
}
