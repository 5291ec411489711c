namespace LmuSharp.Audio;

/// <summary>
/// The log-mel frontend fed in chunks of any size: it keeps the last window's worth of samples and emits each
/// frame as soon as its window is complete, giving the same frames as <see cref="LogMelFrontend.Compute"/> on
/// the concatenated audio. No allocation per chunk.
/// </summary>
public sealed class LogMelStream
{
    readonly LogMelFrontend _frontend;
    readonly float[] _buffer; // samples of the next frame's window received so far
    readonly float[] _frame;
    int _filled;

    /// <summary>A stream over its own frontend.</summary>
    /// <param name="options">The settings (default: <see cref="LogMelOptions"/>' defaults).</param>
    public LogMelStream(LogMelOptions? options = null)
    {
        _frontend = new LogMelFrontend(options);
        _buffer = new float[_frontend.Options.WindowLength];
        _frame = new float[_frontend.FeatureCount];
    }

    /// <summary>The settings.</summary>
    public LogMelOptions Options => _frontend.Options;

    /// <summary>Features per frame.</summary>
    public int FeatureCount => _frontend.FeatureCount;

    /// <summary>Frames emitted so far.</summary>
    public long Frames { get; private set; }

    /// <summary>Adds samples; calls <paramref name="onFrame"/> with each completed frame (valid only during the call).</summary>
    /// <param name="samples">The next samples of the signal.</param>
    /// <param name="onFrame">Receives each frame's features.</param>
    public void Push(ReadOnlySpan<float> samples, FrameHandler onFrame)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        int window = _buffer.Length, hop = Options.Hop;
        while (!samples.IsEmpty)
        {
            int take = Math.Min(window - _filled, samples.Length);
            samples[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            samples = samples[take..];
            if (_filled < window) break;
            _frontend.ComputeFrame(_buffer, _frame);
            Frames++;
            onFrame(_frame);
            _buffer.AsSpan(hop).CopyTo(_buffer); // the next window starts one hop later (hop ≤ window)
            _filled = window - hop;
        }
    }

    /// <summary>Receives one frame of features.</summary>
    public delegate void FrameHandler(ReadOnlySpan<float> features);
}
