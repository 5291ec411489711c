using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// Independent streams of one <see cref="LmuModel"/> advanced together: one <see cref="Step"/> call runs
/// every layer over all streams with batched kernels. Not thread-safe; no allocation per step.
/// Stream b's result is bit-identical to running it alone in an <see cref="LmuStream"/>.
/// </summary>
public sealed class LmuBatch
{
    const uint Magic = 0x53554D4C; // "LMUS"
    const int HeaderBytes = 4 + 8 + 4;

    readonly Layer[] _layers;
    readonly float[][][] _state;    // [layer][component][stream × size]
    readonly float[][][] _scratch;  // [layer][buffer][stream × size]
    readonly float[][] _activations; // output of each layer but the last, [stream × size]
    readonly float[] _admitted;      // the inputs with non-finite values zeroed, under NonFiniteInput.Zero
    NonFiniteInput _nonFiniteInputs;

    internal LmuBatch(LmuModel model, int streams)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        int perStream = LargestBufferPerStream(model);
        if (streams > Array.MaxLength / perStream)
            throw new ArgumentOutOfRangeException(nameof(streams), streams,
                $"streams must lie in [1, {Array.MaxLength / perStream}] for this model (its largest buffer holds {perStream} floats per stream).");
        Model = model;
        Count = streams;
        _layers = model.Layers;
        _state = _layers.Select(l => l.StateSizes.Select(s => new float[checked(streams * s)]).ToArray()).ToArray();
        _scratch = _layers.Select(l => l.ScratchSizes.Select(s => new float[checked(streams * s)]).ToArray()).ToArray();
        _activations = _layers.SkipLast(1).Select(l => new float[checked(streams * l.OutputSize)]).ToArray();
        _admitted = new float[streams * model.InputSize];
    }

    static int LargestBufferPerStream(LmuModel model) =>
        model.Layers.SelectMany(l => l.StateSizes.Concat(l.ScratchSizes).Append(l.OutputSize)).Append(model.InputSize).Max();

    /// <summary>The model being run.</summary>
    public LmuModel Model { get; }

    /// <summary>The number of streams.</summary>
    public int Count { get; }

    /// <summary>The size in bytes of one stream's saved state.</summary>
    public int StateByteCount => HeaderBytes + 4 * Model.StateFloats;

    /// <summary>What <see cref="Step"/> does with NaN or ±∞ inputs (default <see cref="NonFiniteInput.Throw"/>).</summary>
    public NonFiniteInput NonFiniteInputs
    {
        get => _nonFiniteInputs;
        set => _nonFiniteInputs = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "not a NonFiniteInput value.");
    }

    /// <summary>Advances every stream by one step.</summary>
    /// <param name="inputs">Count × InputSize floats, stream after stream.</param>
    /// <param name="outputs">Receives Count × OutputSize floats, stream after stream.</param>
    /// <exception cref="ArgumentException">A size is wrong, or an input is not finite under <see cref="NonFiniteInput.Throw"/> (no stream advances).</exception>
    public void Step(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        if (inputs.Length != Count * Model.InputSize)
            throw new ArgumentException($"inputs must hold {Count} × {Model.InputSize} floats, got {inputs.Length}.", nameof(inputs));
        if (outputs.Length != Count * Model.OutputSize)
            throw new ArgumentException($"outputs must hold {Count} × {Model.OutputSize} floats, got {outputs.Length}.", nameof(outputs));
        ReadOnlySpan<float> x = Admit(inputs);
        for (int i = 0; i < _layers.Length; i++)
        {
            Span<float> y = i == _layers.Length - 1 ? outputs : _activations[i];
            _layers[i].Step(x, y, _state[i], _scratch[i], Count);
            x = y;
        }
    }

    /// <summary>The inputs to step with under the non-finite policy; checked before any layer runs, so a refused call changes no state.</summary>
    ReadOnlySpan<float> Admit(ReadOnlySpan<float> inputs)
    {
        if (_nonFiniteInputs == NonFiniteInput.Propagate || TensorPrimitives.IsFiniteAll(inputs)) return inputs;
        int bad = IndexOfNonFinite(inputs);
        if (_nonFiniteInputs == NonFiniteInput.Throw)
            throw new ArgumentException($"stream {bad / Model.InputSize}, input {bad % Model.InputSize} is {inputs[bad]}, not finite; no stream was advanced " +
                "(set NonFiniteInputs to Zero to read such samples as 0).", nameof(inputs));
        inputs.CopyTo(_admitted);
        for (int i = bad; i < _admitted.Length; i++) if (!float.IsFinite(_admitted[i])) _admitted[i] = 0;
        return _admitted;
    }

    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++) if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Returns every stream to the zero state.</summary>
    public void Reset()
    {
        foreach (var layer in _state) foreach (var component in layer) Array.Clear(component);
    }

    /// <summary>Returns one stream to the zero state.</summary>
    /// <param name="stream">The stream index, 0 ≤ stream &lt; Count.</param>
    public void Reset(int stream)
    {
        CheckStream(stream);
        foreach (var (component, size) in Slices()) component.AsSpan(stream * size, size).Clear();
    }

    /// <summary>One stream's state as bytes (format tag, architecture fingerprint, float count, little-endian floats).</summary>
    /// <param name="stream">The stream index.</param>
    public byte[] SaveState(int stream)
    {
        var bytes = new byte[StateByteCount];
        SaveState(stream, bytes);
        return bytes;
    }

    /// <summary>Writes one stream's state into <paramref name="destination"/> (at least <see cref="StateByteCount"/> bytes).</summary>
    /// <param name="stream">The stream index.</param>
    /// <param name="destination">Receives the state.</param>
    public void SaveState(int stream, Span<byte> destination)
    {
        CheckStream(stream);
        if (destination.Length < StateByteCount) throw new ArgumentException($"destination must hold {StateByteCount} bytes, got {destination.Length}.", nameof(destination));
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[4..], Model.Fingerprint);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Model.StateFloats);
        int at = HeaderBytes;
        foreach (var (component, size) in Slices())
        {
            foreach (float value in component.AsSpan(stream * size, size)) { BinaryPrimitives.WriteSingleLittleEndian(destination[at..], value); at += 4; }
        }
    }

    /// <summary>Replaces one stream's state with one saved by <see cref="SaveState(int)"/> from a model of the same architecture.</summary>
    /// <param name="stream">The stream index.</param>
    /// <param name="state">The saved bytes.</param>
    /// <exception cref="ArgumentException">The bytes are not a state of this architecture.</exception>
    public void LoadState(int stream, ReadOnlySpan<byte> state)
    {
        CheckStream(stream);
        if (state.Length != StateByteCount || BinaryPrimitives.ReadUInt32LittleEndian(state) != Magic)
            throw new ArgumentException($"state must be a {StateByteCount}-byte LmuSharp stream state, got {state.Length} bytes.", nameof(state));
        if (BinaryPrimitives.ReadUInt64LittleEndian(state[4..]) != Model.Fingerprint || BinaryPrimitives.ReadInt32LittleEndian(state[12..]) != Model.StateFloats)
            throw new ArgumentException("state was saved from a model of a different architecture.", nameof(state));
        int at = HeaderBytes;
        foreach (var (component, size) in Slices())
        {
            var slice = component.AsSpan(stream * size, size);
            for (int i = 0; i < size; i++, at += 4) slice[i] = BinaryPrimitives.ReadSingleLittleEndian(state[at..]);
        }
    }

    IEnumerable<(float[] Component, int Size)> Slices()
    {
        for (int l = 0; l < _layers.Length; l++)
            for (int c = 0; c < _state[l].Length; c++) yield return (_state[l][c], _layers[l].StateSizes[c]);
    }

    void CheckStream(int stream)
    {
        if (stream < 0 || stream >= Count) throw new ArgumentOutOfRangeException(nameof(stream), stream, $"stream must lie in [0, {Count - 1}].");
    }
}
