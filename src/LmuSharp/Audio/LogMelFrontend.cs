using System.Numerics.Tensors;
using NWaves.Filters.Fda;
using NWaves.Transforms;
using NWaves.Windows;

namespace LmuSharp.Audio;

/// <summary>
/// Log-mel features, one frame per hop: for the window x[n], n &lt; N, starting at frame·hop,
/// f_b = ln( Σ_k T_b[k] |FFT(w ⊙ x)[k]|² + floor ), with w the Hann window and T_b the b-th triangular mel filter.
/// The FFT, window and mel filter bank are NWaves'; the bank is applied here to each filter's nonzero bins only
/// (NWaves' FilterBanks.Apply multiplies the whole 40 × 513 matrix, of which about 1 in 20 entries is nonzero).
/// This class frames the signal, so that the batch
/// computation (<see cref="Compute"/>) and the streaming one (<see cref="LogMelStream"/>) run the same
/// <see cref="ComputeFrame"/> on the same samples and agree exactly. Not thread-safe (it reuses buffers):
/// use one per thread or stream.
/// </summary>
public sealed class LogMelFrontend
{
    readonly float[] _window;
    readonly (int Start, float[] Weights)[] _filters; // T_b's nonzero bins
    readonly RealFft _fft;
    readonly float[] _block;
    readonly float[] _spectrum;

    /// <summary>Builds the frontend.</summary>
    /// <param name="options">The settings (default: <see cref="LogMelOptions"/>' defaults).</param>
    public LogMelFrontend(LogMelOptions? options = null)
    {
        Options = (options ?? new LogMelOptions()).Validate();
        var o = Options;
        _window = Window.OfType(WindowType.Hann, o.WindowLength);
        _filters = FilterBanks.Triangular(o.FftSize, o.SampleRate, FilterBanks.MelBands(o.Bands, o.SampleRate, o.LowHz, o.HighHz)).Select(NonZero).ToArray();
        _fft = new RealFft(o.FftSize);
        _block = new float[o.FftSize];
        _spectrum = new float[o.FftSize / 2 + 1];
    }

    /// <summary>The settings.</summary>
    public LogMelOptions Options { get; }

    /// <summary>Features per frame.</summary>
    public int FeatureCount => Options.Bands;

    /// <summary>One frame's features from exactly one window of samples.</summary>
    /// <param name="window">WindowLength samples.</param>
    /// <param name="features">Receives <see cref="FeatureCount"/> values.</param>
    public void ComputeFrame(ReadOnlySpan<float> window, Span<float> features)
    {
        if (window.Length != Options.WindowLength) throw new ArgumentException($"a frame needs {Options.WindowLength} samples, got {window.Length}.", nameof(window));
        if (features.Length < FeatureCount) throw new ArgumentException($"features needs {FeatureCount} values, got {features.Length}.", nameof(features));
        for (int n = 0; n < window.Length; n++) _block[n] = window[n] * _window[n];
        Array.Clear(_block, window.Length, _block.Length - window.Length);
        _fft.PowerSpectrum(_block, _spectrum, normalize: false);
        for (int b = 0; b < _filters.Length; b++)
        {
            var (start, weights) = _filters[b];
            features[b] = MathF.Log(TensorPrimitives.Dot(weights, _spectrum.AsSpan(start, weights.Length)) + Options.Floor);
        }
    }

    static (int Start, float[] Weights) NonZero(float[] filter)
    {
        int start = Array.FindIndex(filter, w => w != 0), end = Array.FindLastIndex(filter, w => w != 0);
        return start < 0 ? (0, []) : (start, filter[start..(end + 1)]);
    }

    /// <summary>All frames of a clip, row-major [frames, FeatureCount] (frames = <see cref="LogMelOptions.FrameCount"/>).</summary>
    /// <param name="samples">The clip.</param>
    public float[] Compute(ReadOnlySpan<float> samples)
    {
        int frames = Options.FrameCount(samples.Length);
        var features = new float[frames * FeatureCount];
        for (int t = 0; t < frames; t++)
            ComputeFrame(samples.Slice(t * Options.Hop, Options.WindowLength), features.AsSpan(t * FeatureCount, FeatureCount));
        return features;
    }
}
