using System.Globalization;
using LmuSharp.Runtime;

namespace LmuSharp.Audio;

/// <summary>One keyword detection: when (seconds from the start of the audio), which keyword, and its smoothed posterior.</summary>
/// <param name="Time">The end of the frame that triggered it, in seconds.</param>
/// <param name="Keyword">The class label.</param>
/// <param name="Confidence">The smoothed posterior, in [0, 1].</param>
public readonly record struct Detection(double Time, string Keyword, float Confidence);

/// <summary>
/// How detections are drawn from the frame posteriors. The defaults (400 ms of smoothing at a 20 ms hop, 0.8, 1 s)
/// were chosen on a `lmu data kws-stream --seed 8` recording, not on the stream the results are reported for.
/// </summary>
/// <param name="SmoothingFrames">Posteriors are averaged over this many most recent frames.</param>
/// <param name="Threshold">A keyword fires when its smoothed posterior exceeds this.</param>
/// <param name="RefractorySeconds">After a detection, no other fires for this long.</param>
public sealed record KeywordSpotterOptions(int SmoothingFrames = 20, float Threshold = 0.9f, double RefractorySeconds = 1.0);

/// <summary>
/// An always-on keyword detector: audio in chunks of any size → the log-mel frontend (<see cref="LogMelStream"/>) →
/// the per-band normalisation → one step of the model per frame, its state never reset → softmax posteriors,
/// averaged over the last <see cref="KeywordSpotterOptions.SmoothingFrames"/> frames → a detection when a keyword's
/// smoothed posterior passes the threshold outside the refractory period of the previous detection.
/// The frontend settings, labels and normalisation come from the model's <c>kws.*</c> metadata (docs/FORMAT.md).
/// Not thread-safe; one per audio stream.
/// </summary>
public sealed class KeywordSpotter
{
    readonly LogMelStream _frontend;
    readonly StepFunction _step;
    readonly float[] _mean, _scale, _features, _logits;
    readonly float[][] _history;
    readonly float[] _smoothed;
    readonly bool[] _isKeyword;
    readonly List<Detection> _pending = [];
    long _frames;
    double _lastDetection = double.NegativeInfinity;

    /// <summary>Advances the model one frame: features in, logits out.</summary>
    public delegate void StepFunction(ReadOnlySpan<float> features, Span<float> logits);

    /// <summary>A detector on the float runtime.</summary>
    /// <param name="model">A keyword model exported by `lmu export` (it carries <c>kws.*</c> metadata).</param>
    /// <param name="options">Smoothing, threshold and refractory period.</param>
    /// <exception cref="InvalidDataException">The model is not a keyword model.</exception>
    public KeywordSpotter(LmuModel model, KeywordSpotterOptions? options = null)
        : this(model.Metadata, model.InputSize, model.OutputSize, model.CreateStream().Step, options) { }

    /// <summary>A detector over any step function (e.g. the int8 runtime).</summary>
    /// <param name="metadata">The model file's metadata, with the <c>kws.*</c> keys.</param>
    /// <param name="inputSize">Features per frame the step function takes.</param>
    /// <param name="outputSize">Logits per frame it gives.</param>
    /// <param name="step">Advances the model one frame.</param>
    /// <param name="options">Smoothing, threshold and refractory period.</param>
    public KeywordSpotter(IReadOnlyDictionary<string, string> metadata, int inputSize, int outputSize, StepFunction step, KeywordSpotterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        _step = step ?? throw new ArgumentNullException(nameof(step));
        Options = options ?? new KeywordSpotterOptions();
        if (Options.SmoothingFrames < 1) throw new ArgumentOutOfRangeException(nameof(options), "SmoothingFrames must be ≥ 1.");
        if (!metadata.TryGetValue("kws.labels", out var labels))
            throw new InvalidDataException("not a keyword-spotting model: its metadata has no 'kws.labels' (export one trained with `lmu train kws`).");
        Labels = labels.Split(',');
        Frontend = new LogMelOptions(Int(metadata, "kws.sample_rate"), Int(metadata, "kws.window"), Int(metadata, "kws.hop"), Int(metadata, "kws.fft"),
            Int(metadata, "kws.bands"), Number(metadata, "kws.low_hz"), Number(metadata, "kws.high_hz"), (float)Number(metadata, "kws.floor"));
        _frontend = new LogMelStream(Frontend);
        _mean = Floats(metadata, "kws.feature_mean", Frontend.Bands);
        _scale = Floats(metadata, "kws.feature_scale", Frontend.Bands);
        if (inputSize != Frontend.Bands) throw new InvalidDataException($"not a keyword model: it takes {inputSize} inputs per step but its frontend gives {Frontend.Bands} bands.");
        if (outputSize != Labels.Count) throw new InvalidDataException($"not a keyword model: it gives {outputSize} outputs per step for {Labels.Count} labels.");
        _features = new float[Frontend.Bands];
        _logits = new float[Labels.Count];
        _history = Enumerable.Range(0, Options.SmoothingFrames).Select(_ => new float[Labels.Count]).ToArray();
        _smoothed = new float[Labels.Count];
        _isKeyword = Labels.Select(l => !l.StartsWith('_')).ToArray();
    }

    /// <summary>The class labels, in the model's output order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The frontend settings read from the model.</summary>
    public LogMelOptions Frontend { get; }

    /// <summary>The detection settings.</summary>
    public KeywordSpotterOptions Options { get; }

    /// <summary>Seconds of audio consumed so far (whole frames).</summary>
    public double Seconds => (double)_frames * Frontend.Hop / Frontend.SampleRate;

    /// <summary>Feeds audio; returns the detections it completed (the list is reused by the next call).</summary>
    /// <param name="samples">The next samples at the model's sample rate, in [−1, 1].</param>
    public IReadOnlyList<Detection> Push(ReadOnlySpan<float> samples)
    {
        _pending.Clear();
        _frontend.Push(samples, OnFrame);
        return _pending;
    }

    void OnFrame(ReadOnlySpan<float> frame)
    {
        for (int b = 0; b < _features.Length; b++) _features[b] = (frame[b] - _mean[b]) * _scale[b];
        _step(_features, _logits);
        var posterior = _history[_frames % _history.Length];
        Softmax(_logits, posterior);
        _frames++;
        int filled = (int)Math.Min(_frames, _history.Length);
        Array.Clear(_smoothed);
        for (int h = 0; h < filled; h++)
            for (int c = 0; c < _smoothed.Length; c++) _smoothed[c] += _history[h][c] / filled;
        int best = -1;
        for (int c = 0; c < _smoothed.Length; c++)
            if (_isKeyword[c] && (best < 0 || _smoothed[c] > _smoothed[best])) best = c;
        double now = (double)((_frames - 1) * Frontend.Hop + Frontend.WindowLength) / Frontend.SampleRate;
        if (best >= 0 && _smoothed[best] > Options.Threshold && now - _lastDetection >= Options.RefractorySeconds)
        {
            _lastDetection = now;
            _pending.Add(new Detection(now, Labels[best], _smoothed[best]));
        }
    }

    static void Softmax(ReadOnlySpan<float> logits, Span<float> p)
    {
        float max = float.NegativeInfinity;
        foreach (var v in logits) max = Math.Max(max, v);
        float sum = 0;
        for (int i = 0; i < logits.Length; i++) sum += p[i] = MathF.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) p[i] /= sum;
    }

    static string Text(IReadOnlyDictionary<string, string> m, string key) =>
        m.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"keyword model metadata lacks '{key}'.");

    static int Int(IReadOnlyDictionary<string, string> m, string key) =>
        int.TryParse(Text(m, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new InvalidDataException($"keyword model metadata '{key}' is not an integer.");

    static double Number(IReadOnlyDictionary<string, string> m, string key) =>
        double.TryParse(Text(m, key), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new InvalidDataException($"keyword model metadata '{key}' is not a number.");

    static float[] Floats(IReadOnlyDictionary<string, string> m, string key, int count)
    {
        var values = Text(m, key).Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return values.Length == count ? values : throw new InvalidDataException($"keyword model metadata '{key}' holds {values.Length} values, expected {count}.");
    }
}
