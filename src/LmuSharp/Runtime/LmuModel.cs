using LmuSharp.Serialization;

namespace LmuSharp.Runtime;

/// <summary>
/// A trained model loaded for streaming inference, without TorchSharp or native code: a stack of layers
/// (parallel LMU, LMU cell with rnn/lstm/gru/dense/no hidden cell, GILR, GILR-LSTM, SRU, QRNN, dense) described by
/// the <c>__metadata__</c> and tensors of docs/FORMAT.md. Immutable and thread-safe; the state of each
/// stream lives in an <see cref="LmuStream"/> or <see cref="LmuBatch"/> created from it.
/// </summary>
public sealed class LmuModel
{
    /// <summary>The value of the <c>format</c> metadata key.</summary>
    public const string FormatName = "lmusharp";

    /// <summary>The <c>format_version</c> the exporter writes; the runtime also reads version 1 (docs/FORMAT.md).</summary>
    public const int FormatVersion = 2;

    /// <summary>The layer <c>type</c> values this runtime can run.</summary>
    public static IReadOnlyList<string> LayerTypes { get; } = ["parallel_lmu", "lmu_cell", "gilr", "gilr_lstm", "sru", "qrnn", "dense"];

    internal Layer[] Layers { get; }

    LmuModel(WeightReader reader, IReadOnlyDictionary<string, string> metadata)
    {
        string format = reader.Text("format");
        if (format != FormatName) throw new NotSupportedException($"not an LmuSharp model: metadata 'format' is '{format}', expected '{FormatName}'.");
        string version = reader.Text("format_version");
        if (version != FormatVersion.ToString())
            throw new NotSupportedException($"LmuSharp model format_version '{version}' is not supported by this runtime (it reads versions 1 to {FormatVersion}).");
        Layers = new Layer[reader.Int("layers")];
        int expected = InputSize = reader.Int("input_size");
        for (int i = 0; i < Layers.Length; i++)
        {
            var layer = Layers[i] = CreateLayer(reader.Under($"layers.{i}."));
            if (layer.InputSize != expected)
                throw WeightReader.Invalid($"layer {i} takes {layer.InputSize} inputs but receives {expected}");
            expected = layer.OutputSize;
        }
        OutputSize = reader.Int("output_size");
        if (OutputSize != expected) throw WeightReader.Invalid($"metadata output_size is {OutputSize} but the last layer gives {expected}");
        reader.CheckAllUsed();
        Metadata = metadata;
        StateFloats = Layers.Sum(l => l.StateSizes.Sum());
        Fingerprint = Fnv1a(string.Join("|", Layers.Select(l => l.ToString())));
    }

    static Layer CreateLayer(WeightReader r) => r.Text("type") switch
    {
        "parallel_lmu" => new ParallelLmuLayer(r),
        "lmu_cell" => new LmuCellLayer(r),
        "gilr" => new GilrLayer(r),
        "gilr_lstm" => new GilrLstmLayer(r),
        "sru" => new SruLayer(r),
        "qrnn" => new QrnnLayer(r),
        "dense" => new DenseLayer(r),
        var type => throw new NotSupportedException(
            $"layer '{r.Prefix.TrimEnd('.')}' has type '{type}', which this runtime cannot run; it runs: {string.Join(", ", LayerTypes)}."),
    };

    /// <summary>Loads a model file written by the LmuSharp exporter.</summary>
    /// <param name="path">A .safetensors file.</param>
    /// <exception cref="InvalidDataException">The file is malformed or its tensors disagree with its metadata.</exception>
    /// <exception cref="NotSupportedException">The file describes an architecture or format version this runtime cannot run.</exception>
    public static LmuModel Load(string path) => FromSafeTensors(SafeTensorsFile.Read(path));

    /// <summary>Builds the model from a parsed safetensors file (all tensors must be F32).</summary>
    /// <param name="file">The file's tensors and metadata.</param>
    /// <exception cref="InvalidDataException">A tensor is not F32, or tensors and metadata disagree.</exception>
    /// <exception cref="NotSupportedException">An architecture or format version this runtime cannot run.</exception>
    public static LmuModel FromSafeTensors(SafeTensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in file.Tensors)
        {
            if (tensor.DType != SafeTensorDType.F32) throw WeightReader.Invalid($"tensor '{name}' has dtype {tensor.DType.ToName()}; the runtime reads F32 only");
            values[name] = tensor.ToSingles();
            shapes[name] = tensor.Shape;
        }
        return new LmuModel(new WeightReader(values, shapes, FormatUpgrade.ToCurrent(file.Metadata)), file.Metadata);
    }

    /// <summary>
    /// Builds the model from flat row-major float arrays named as in docs/FORMAT.md (their shapes follow from
    /// the metadata; only lengths are checked) — the path for tests and for exporters that hold weights in memory.
    /// </summary>
    /// <param name="weights">Tensors by name, row-major.</param>
    /// <param name="metadata">The <c>__metadata__</c> map describing the architecture.</param>
    public static LmuModel FromWeights(IReadOnlyDictionary<string, float[]> weights, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(metadata);
        var copy = weights.ToDictionary(w => w.Key, w => (float[])w.Value.Clone(), StringComparer.Ordinal);
        var meta = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        return new LmuModel(new WeightReader(copy, null, FormatUpgrade.ToCurrent(meta)), meta);
    }

    /// <summary>Floats per input step.</summary>
    public int InputSize { get; }

    /// <summary>Floats per output step.</summary>
    public int OutputSize { get; }

    /// <summary>The file's <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>One line per layer: its type and sizes.</summary>
    public IReadOnlyList<string> LayerSummaries => Layers.Select(l => l.ToString()).ToArray();

    /// <summary>The number of floats of recurrent state per stream.</summary>
    public int StateFloats { get; }

    /// <summary>A hash of the architecture, stored in saved states so they load only into a model of the same shape.</summary>
    internal ulong Fingerprint { get; }

    /// <summary>A single stream, starting from the zero state.</summary>
    public LmuStream CreateStream() => new(this);

    /// <summary>Many independent streams advanced together by one <see cref="LmuBatch.Step"/> call.</summary>
    /// <param name="streams">The number of streams, ≥ 1.</param>
    /// <param name="maxDegreeOfParallelism">
    /// The most threads a step uses, the calling thread included (like <c>ParallelOptions.MaxDegreeOfParallelism</c>):
    /// 1 (the default) steps every stream on the calling thread and starts no thread; n &gt; 1 steps blocks of the streams
    /// on min(n, streams) threads, with bit-identical results; -1 is one thread per core
    /// (<see cref="Environment.ProcessorCount"/>). Dispose a batch with more than one thread to stop its workers.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="streams"/> &lt; 1 or too many to index, or
    /// <paramref name="maxDegreeOfParallelism"/> is neither ≥ 1 nor -1.</exception>
    public LmuBatch CreateBatch(int streams, int maxDegreeOfParallelism = 1) => new(this, streams, maxDegreeOfParallelism);

    static ulong Fnv1a(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (char ch in text) hash = (hash ^ ch) * 1099511628211;
        return hash;
    }
}
