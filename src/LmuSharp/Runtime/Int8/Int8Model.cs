using System.Globalization;
using LmuSharp.Serialization;

namespace LmuSharp.Runtime;

/// <summary>
/// The int8 runtime path for a model trained with int8 quantisation-aware training (metadata <c>quantization</c> =
/// <c>int8</c>, docs/FORMAT.md): every matrix product runs on int8 weights and int8 inputs with int32 sums
/// (<see cref="Int8Linear"/>); the Legendre memory update M ← Ā M + B̄ u stays float, as in training. It reproduces the
/// fake-quantised forward of training. Layers: parallel_lmu (linear hidden layer, memory-only) and dense.
/// </summary>
public sealed class Int8Model
{
    readonly Int8Layer[] _layers;

    Int8Model(SafeTensorsFile file)
    {
        var metadata = file.Metadata;
        if (!metadata.TryGetValue("quantization", out var q) || q != "int8")
            throw new NotSupportedException("not an int8 model: its metadata has no 'quantization' = 'int8' (train with `--quantize int8`, then export).");
        var reference = LmuModel.FromSafeTensors(file); // validates the architecture and shapes
        Metadata = metadata;
        InputSize = reference.InputSize;
        OutputSize = reference.OutputSize;
        _layers = new Int8Layer[int.Parse(metadata["layers"], CultureInfo.InvariantCulture)];
        for (int i = 0; i < _layers.Length; i++) _layers[i] = Int8Layer.Create(file, $"layers.{i}.");
        WeightBytes = _layers.Sum(l => l.WeightBytes);
    }

    /// <summary>Loads an int8 model file.</summary>
    /// <param name="path">A .safetensors file exported from a model trained with --quantize int8.</param>
    /// <exception cref="NotSupportedException">The file is not an int8 model, or has a layer the int8 path cannot run.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or its weights are not int8 at their scales.</exception>
    public static Int8Model Load(string path) => FromSafeTensors(SafeTensorsFile.Read(path));

    /// <summary>Builds the int8 model from a parsed file.</summary>
    public static Int8Model FromSafeTensors(SafeTensorsFile file) => new(file ?? throw new ArgumentNullException(nameof(file)));

    /// <summary>The file's metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Floats per input step.</summary>
    public int InputSize { get; }

    /// <summary>Floats per output step.</summary>
    public int OutputSize { get; }

    /// <summary>Bytes of int8 weights in all the matrix products (the float memory matrices Ā, B̄, biases and scales not counted).</summary>
    public long WeightBytes { get; }

    /// <summary>Multiply-accumulates per step (the matrix products and the memory update).</summary>
    public long MacsPerStep => _layers.Sum(l => l.Macs);

    /// <summary>A stream from the zero state.</summary>
    public Int8Stream CreateStream() => new(_layers, InputSize, OutputSize);
}

/// <summary>One stream of an <see cref="Int8Model"/>: one step per call, the state inside. Not thread-safe; no allocation per step.</summary>
public sealed class Int8Stream
{
    readonly Int8Layer[] _layers;
    readonly float[][] _state;
    readonly float[][] _buffers;
    readonly int _inputSize;

    internal Int8Stream(Int8Layer[] layers, int inputSize, int outputSize)
    {
        _layers = layers;
        _inputSize = inputSize;
        OutputSize = outputSize;
        _state = layers.Select(l => new float[l.StateSize]).ToArray();
        _buffers = layers.Select(l => new float[l.OutputSize]).ToArray();
    }

    /// <summary>Floats per output step.</summary>
    public int OutputSize { get; }

    /// <summary>Advances one step: x (InputSize floats) in, y (OutputSize floats) out.</summary>
    public void Step(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != _inputSize) throw new ArgumentException($"x has {x.Length} floats, expected {_inputSize}.", nameof(x));
        if (y.Length < OutputSize) throw new ArgumentException($"y has room for {y.Length} floats, expected {OutputSize}.", nameof(y));
        ReadOnlySpan<float> input = x;
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i].Step(input, _buffers[i], _state[i]);
            input = _buffers[i];
        }
        input[..OutputSize].CopyTo(y);
    }

    /// <summary>Returns to the zero state.</summary>
    public void Reset()
    {
        foreach (var s in _state) Array.Clear(s);
    }
}
