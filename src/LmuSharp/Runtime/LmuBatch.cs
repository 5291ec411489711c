using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// Independent streams of one <see cref="LmuModel"/> advanced together: one <see cref="Step"/> call runs
/// every layer over all streams with batched kernels. Not thread-safe; no allocation per step.
/// Stream b's result is bit-identical to running it alone in an <see cref="LmuStream"/>, whatever the
/// degree of parallelism.
/// </summary>
/// <remarks>
/// With <c>maxDegreeOfParallelism</c> n &gt; 1 (<see cref="LmuModel.CreateBatch"/>) the streams are split into
/// contiguous blocks, each with its own state, stepped by the calling thread and min(n, Count) − 1 worker threads the
/// batch starts and keeps; <see cref="Dispose"/> stops them. Blocks hold a multiple of the matrix kernel's row block
/// (8 streams with 512-bit FMAs, else 6) and number up to 4n, so a thread the OS preempts mid-step delays one small block,
/// not a whole share; with fewer streams than a row block per thread the blocks are min(n, Count) near-equal ones. Between steps the workers spin
/// for about 200 µs, then sleep until the next <see cref="Step"/>. With n = 1 (the default) everything runs on the
/// calling thread and no thread is started, for programs that already run one model per core.
/// </remarks>
public sealed class LmuBatch : IDisposable
{
    const uint Magic = 0x53554D4C; // "LMUS"
    const int HeaderBytes = 4 + 8 + 4;

    /// <summary>Blocks per thread at most: enough for threads that finish early to take over a preempted thread's blocks.</summary>
    const int BlocksPerThread = 4;

    readonly StreamBlock[] _blocks;  // contiguous, in stream order
    readonly WorkerPool? _workers;   // null with one block: the caller steps it alone
    readonly float[] _admitted;      // the inputs with non-finite values zeroed, under NonFiniteInput.Zero
    nint _x, _y;                     // the pinned inputs and outputs of the step in progress, for the workers
    NonFiniteInput _nonFiniteInputs;
    bool _disposed;

    internal LmuBatch(LmuModel model, int streams, int maxDegreeOfParallelism = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streams, 1);
        int perStream = LargestBufferPerStream(model);
        if (streams > Array.MaxLength / perStream)
            throw new ArgumentOutOfRangeException(nameof(streams), streams,
                $"streams must lie in [1, {Array.MaxLength / perStream}] for this model (its largest buffer holds {perStream} floats per stream).");
        if (maxDegreeOfParallelism == -1) maxDegreeOfParallelism = Environment.ProcessorCount;
        if (maxDegreeOfParallelism < 1)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism,
                "maxDegreeOfParallelism must be ≥ 1 (1: step on the calling thread only), or -1 for one thread per core.");
        Model = model;
        Count = streams;
        int threads = Math.Min(maxDegreeOfParallelism, streams);
        int[] starts = BlockStarts(streams, threads, Kernels.PackedGemm.RowBlock);
        _blocks = starts.Select((first, i) => new StreamBlock(model.Layers, first, (i + 1 < starts.Length ? starts[i + 1] : streams) - first)).ToArray();
        if (threads > 1) _workers = new WorkerPool(threads, _blocks.Length, StepBlock, nameof(LmuBatch));
        _admitted = new float[streams * model.InputSize];
    }

    /// <summary>
    /// The first stream of each block for <paramref name="threads"/> threads: blocks of a multiple of
    /// <paramref name="rowBlock"/> streams (<see cref="Kernels.PackedGemm.RowBlock"/>), at most <see cref="BlocksPerThread"/>
    /// per thread; or, if that gives fewer blocks than threads, one near-equal block per thread.
    /// </summary>
    internal static int[] BlockStarts(int streams, int threads, int rowBlock)
    {
        if (threads == 1) return [0];
        long share = ((long)streams + BlocksPerThread * threads - 1) / (BlocksPerThread * threads);
        int size = (int)Math.Min(streams, Math.Max(1, (share + rowBlock - 1) / rowBlock) * rowBlock);
        int blocks = (streams + size - 1) / size;
        return blocks >= threads
            ? Enumerable.Range(0, blocks).Select(i => i * size).ToArray()
            : Enumerable.Range(0, threads).Select(i => (int)((long)i * streams / threads)).ToArray();
    }

    static int LargestBufferPerStream(LmuModel model) =>
        model.Layers.SelectMany(l => l.StateSizes.Concat(l.ScratchSizes).Append(l.OutputSize)).Append(model.InputSize).Max();

    /// <summary>The model being run.</summary>
    public LmuModel Model { get; }

    /// <summary>The number of streams.</summary>
    public int Count { get; }

    /// <summary>The number of threads that step the streams, the calling thread included: min(maxDegreeOfParallelism, Count).</summary>
    public int DegreeOfParallelism => _workers?.Threads ?? 1;

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
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public unsafe void Step(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (inputs.Length != Count * Model.InputSize)
            throw new ArgumentException($"inputs must hold {Count} × {Model.InputSize} floats, got {inputs.Length}.", nameof(inputs));
        if (outputs.Length != Count * Model.OutputSize)
            throw new ArgumentException($"outputs must hold {Count} × {Model.OutputSize} floats, got {outputs.Length}.", nameof(outputs));
        ReadOnlySpan<float> x = Admit(inputs);
        if (_workers is null) { _blocks[0].Step(x, outputs); return; }
        fixed (float* px = x, py = outputs)
        {
            (_x, _y) = ((nint)px, (nint)py);
            _workers.Run(); // returns once every block is done, so the pointers stay pinned while they are used
        }
    }

    /// <summary>Steps block i on the inputs and outputs of the step in progress (on whichever thread claimed it).</summary>
    unsafe void StepBlock(int i)
    {
        var block = _blocks[i];
        int inputs = Model.InputSize, outputs = Model.OutputSize;
        block.Step(new ReadOnlySpan<float>((float*)_x + (long)block.First * inputs, block.Count * inputs),
            new Span<float>((float*)_y + (long)block.First * outputs, block.Count * outputs));
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
        foreach (var block in _blocks) block.Reset();
    }

    /// <summary>Returns one stream to the zero state.</summary>
    /// <param name="stream">The stream index, 0 ≤ stream &lt; Count.</param>
    public void Reset(int stream)
    {
        CheckStream(stream);
        foreach (var component in StateOf(stream)) component.AsSpan().Clear();
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
        foreach (var component in StateOf(stream))
        {
            foreach (float value in component.AsSpan()) { BinaryPrimitives.WriteSingleLittleEndian(destination[at..], value); at += 4; }
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
        foreach (var component in StateOf(stream))
        {
            var slice = component.AsSpan();
            for (int i = 0; i < slice.Length; i++, at += 4) slice[i] = BinaryPrimitives.ReadSingleLittleEndian(state[at..]);
        }
    }

    IEnumerable<ArraySegment<float>> StateOf(int stream) => _blocks.Last(b => b.First <= stream).StateOf(stream);

    void CheckStream(int stream)
    {
        if (stream < 0 || stream >= Count) throw new ArgumentOutOfRangeException(nameof(stream), stream, $"stream must lie in [0, {Count - 1}].");
    }

    /// <summary>Stops the worker threads, if the batch has any (<see cref="DegreeOfParallelism"/> &gt; 1); <see cref="Step"/> then throws,
    /// while the streams' states can still be saved. Without it, the idle workers of a dropped batch stay blocked (and the batch in memory) until the process ends.</summary>
    public void Dispose()
    {
        _disposed = true;
        _workers?.Dispose();
    }
}
