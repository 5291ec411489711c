namespace LmuSharp.Runtime;

/// <summary>
/// One stream of an <see cref="LmuModel"/>: feed it one input step at a time; the recurrent state stays inside.
/// Not thread-safe; no allocation per step.
/// </summary>
public sealed class LmuStream
{
    readonly LmuBatch _batch;

    internal LmuStream(LmuModel model) => _batch = new LmuBatch(model, 1);

    /// <summary>The model being run.</summary>
    public LmuModel Model => _batch.Model;

    /// <summary>The size in bytes of the saved state.</summary>
    public int StateByteCount => _batch.StateByteCount;

    /// <summary>What <see cref="Step"/> does with NaN or ±∞ inputs (default <see cref="NonFiniteInput.Throw"/>).</summary>
    public NonFiniteInput NonFiniteInputs
    {
        get => _batch.NonFiniteInputs;
        set => _batch.NonFiniteInputs = value;
    }

    /// <summary>Advances one step.</summary>
    /// <param name="x">InputSize floats.</param>
    /// <param name="y">Receives OutputSize floats.</param>
    /// <exception cref="ArgumentException">A size is wrong, or an input is not finite under <see cref="NonFiniteInput.Throw"/> (the state is unchanged).</exception>
    public void Step(ReadOnlySpan<float> x, Span<float> y) => _batch.Step(x, y);

    /// <summary>Returns to the zero state.</summary>
    public void Reset() => _batch.Reset();

    /// <summary>The state as bytes, to resume this stream later or in another process with <see cref="LoadState"/>.</summary>
    public byte[] SaveState() => _batch.SaveState(0);

    /// <summary>Writes the state into <paramref name="destination"/> (at least <see cref="StateByteCount"/> bytes).</summary>
    /// <param name="destination">Receives the state.</param>
    public void SaveState(Span<byte> destination) => _batch.SaveState(0, destination);

    /// <summary>Replaces the state with one saved from a model of the same architecture.</summary>
    /// <param name="state">Bytes from <see cref="SaveState()"/>.</param>
    public void LoadState(ReadOnlySpan<byte> state) => _batch.LoadState(0, state);
}
