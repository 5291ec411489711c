namespace LmuSharp.Runtime;

/// <summary>
/// A contiguous block of a batch's streams, [First, First + Count), with its own state and scratch, so one thread
/// can step it while other threads step other blocks. Every stream is computed row by row (<see cref="Kernels.PackedGemm"/>),
/// so a stream's result does not depend on which block, or how large a block, it is in.
/// </summary>
internal sealed class StreamBlock
{
    readonly Layer[] _layers;
    readonly float[][][] _state;     // [layer][component][stream × size]
    readonly float[][][] _scratch;   // [layer][buffer][stream × size]
    readonly float[][] _activations; // output of each layer but the last, [stream × size]

    public StreamBlock(Layer[] layers, int first, int count)
    {
        (_layers, First, Count) = (layers, first, count);
        _state = layers.Select(l => l.StateSizes.Select(s => new float[checked(count * s)]).ToArray()).ToArray();
        _scratch = layers.Select(l => l.ScratchSizes.Select(s => new float[checked(count * s)]).ToArray()).ToArray();
        _activations = layers.SkipLast(1).Select(l => new float[checked(count * l.OutputSize)]).ToArray();
    }

    /// <summary>The batch index of the block's first stream.</summary>
    public int First { get; }

    /// <summary>The number of streams in the block.</summary>
    public int Count { get; }

    /// <summary>Advances the block's streams: x is Count × InputSize, y Count × OutputSize, the block's rows of the batch's.</summary>
    public void Step(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            Span<float> output = i == _layers.Length - 1 ? y : _activations[i];
            _layers[i].Step(x, output, _state[i], _scratch[i], Count);
            x = output;
        }
    }

    /// <summary>Zeroes every stream's state.</summary>
    public void Reset()
    {
        foreach (var layer in _state) foreach (var component in layer) Array.Clear(component);
    }

    /// <summary>The state components of batch stream <paramref name="stream"/> (in this block), layer by layer, in saved-state order.</summary>
    public IEnumerable<ArraySegment<float>> StateOf(int stream)
    {
        int local = stream - First;
        for (int l = 0; l < _layers.Length; l++)
            for (int c = 0; c < _state[l].Length; c++)
            {
                int size = _layers[l].StateSizes[c];
                yield return new ArraySegment<float>(_state[l][c], local * size, size);
            }
    }
}
