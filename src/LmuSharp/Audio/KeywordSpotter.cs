using System.Globalization;
using LmuSharp.Runtime;

namespace LmuSharp.Audio;

/// <summary>One keyword detection: when the keyword was spoken, which keyword, its smoothed posterior, and when the detector decided.</summary>
/// <param name="Time">The estimated time of the keyword, in seconds from the start of the audio: the end of the first frame of the
/// rise of its smoothed posterior that led to the detection (see <see cref="KeywordSpotterOptions.OnsetLevel"/>), at most
/// <see cref="KeywordSpotter.LookbackSeconds"/> before <paramref name="DecisionTime"/>.</param>
/// <param name="Keyword">The class label.</param>
/// <param name="Confidence">The smoothed posterior at the decision, in [0, 1].</param>
/// <param name="DecisionTime">The end of the frame at which the smoothed posterior passed the threshold, in seconds: the moment
/// the detection was reported, later than <paramref name="Time"/> by the smoothing's delay.</param>
public readonly record struct Detection(double Time, string Keyword, float Confidence, double DecisionTime);

/// <summary>
/// How detections are drawn from the frame posteriors. The defaults (800 ms of smoothing at a 20 ms hop, 0.7, 1 s, 0.2) were
/// chosen on a 30-minute `lmu data kws-stream --seed 8` recording, not on the stream the results are reported for.
/// </summary>
/// <param name="SmoothingFrames">Posteriors are averaged over this many most recent frames.</param>
/// <param name="Threshold">A keyword fires when its smoothed posterior exceeds this.</param>
/// <param name="RefractorySeconds">After a detection, no other fires for this long.</param>
/// <param name="OnsetLevel">A detection's <see cref="Detection.Time"/> is where the keyword's smoothed posterior last rose past
/// this level before the decision (capped at <paramref name="Threshold"/>; a moving average starts to rise in the first frame
/// that hears the keyword, and reaches the threshold only a smoothing delay later).</param>
public sealed record KeywordSpotterOptions(int SmoothingFrames = 40, float Threshold = 0.7f, double RefractorySeconds = 1.0, float OnsetLevel = 0.2f);

/// <summary>
/// An always-on keyword detector: audio in chunks of any size → the log-mel frontend (<see cref="LogMelStream"/>) →
/// the per-band normalisation → one step of the model per frame, its state never reset → softmax posteriors,
/// averaged over the last <see cref="KeywordSpotterOptions.SmoothingFrames"/> frames → a detection when a keyword's
/// smoothed posterior passes the threshold outside the refractory period of the previous detection, dated back to where
/// that posterior rose past <see cref="KeywordSpotterOptions.OnsetLevel"/> (the keyword's time, not the decision's).
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
    readonly double[] _sums;
    readonly float[][] _smoothedHistory;
    readonly float _onsetLevel;
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
        if (!(Options.OnsetLevel > 0 && Options.OnsetLevel < 1)) throw new ArgumentOutOfRangeException(nameof(options), "OnsetLevel must lie in (0, 1).");
        _onsetLevel = Math.Min(Options.OnsetLevel, Options.Threshold);
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
        _sums = new double[Labels.Count];
        _smoothedHistory = Enumerable.Range(0, (int)Math.Ceiling(LookbackSeconds * Frontend.SampleRate / Frontend.Hop) + 1).Select(_ => new float[Labels.Count]).ToArray();
        _isKeyword = Labels.Select(l => !l.StartsWith('_')).ToArray();
    }

    /// <summary>How far before its decision a detection's time can lie: the length of a Speech Commands clip, which holds a whole keyword.</summary>
    public const double LookbackSeconds = 1.0;

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
        long current = _frames++;
        Smooth(_history[current % _history.Length], _smoothedHistory[current % _smoothedHistory.Length]);
        int best = -1;
        for (int c = 0; c < _smoothed.Length; c++)
            if (_isKeyword[c] && (best < 0 || _smoothed[c] > _smoothed[best])) best = c;
        double now = EndOf(current);
        if (best >= 0 && _smoothed[best] > Options.Threshold && now - _lastDetection >= Options.RefractorySeconds)
        {
            _lastDetection = now;
            _pending.Add(new Detection(EndOf(RiseStart(best, current)), Labels[best], _smoothed[best], now));
        }
    }

    /// <summary>
    /// The frame's posteriors (softmax of the logits) into <paramref name="slot"/>, the oldest of the last N, and
    /// p̄_c = mean of the last min(frames, N) into <c>_smoothed</c> and <paramref name="record"/>: a running sum, the
    /// posterior leaving the window subtracted (in double, so that years of frames leave its rounding below 1e-7).
    /// </summary>
    void Smooth(float[] slot, float[] record)
    {
        if (_frames > _history.Length)
            for (int c = 0; c < _sums.Length; c++) _sums[c] -= slot[c];
        Softmax(_logits, slot);
        int filled = (int)Math.Min(_frames, _history.Length);
        for (int c = 0; c < _sums.Length; c++)
        {
            _sums[c] += slot[c];
            _smoothed[c] = (float)(_sums[c] / filled);
        }
        _smoothed.CopyTo(record, 0);
    }

    /// <summary>The earliest frame f ≤ <paramref name="frame"/> with p̄_c ≥ min(OnsetLevel, Threshold) in every frame from f on, within the lookback.</summary>
    long RiseStart(int c, long frame)
    {
        long first = Math.Max(0, frame - _smoothedHistory.Length + 1), start = frame;
        while (start > first && _smoothedHistory[(start - 1) % _smoothedHistory.Length][c] >= _onsetLevel) start--;
        return start;
    }

    /// <summary>The end of frame <paramref name="frame"/>'s window, in seconds.</summary>
    double EndOf(long frame) => (double)(frame * Frontend.Hop + Frontend.WindowLength) / Frontend.SampleRate;

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
