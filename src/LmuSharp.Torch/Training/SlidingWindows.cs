using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Forecasting samples cut from series: a window of <see cref="Window"/> rows of input features, and the target
/// features of the <see cref="Horizon"/> rows after it. Window k of a series starts at a row s_k, one
/// <see cref="Stride"/> after the last; its inputs are rows [s, s + W) and its targets rows [s + W, s + W + H).
/// </summary>
/// <param name="Window">W: rows of input per sample.</param>
/// <param name="Horizon">H: rows ahead to forecast.</param>
/// <param name="Stride">Rows between the starts of consecutive windows.</param>
public sealed record SlidingWindows(int Window, int Horizon, int Stride = 1)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming an out-of-range size.</summary>
    public SlidingWindows Validate()
    {
        if (Window < 1 || Horizon < 1 || Stride < 1)
            throw new ArgumentException($"window ({Window}), horizon ({Horizon}) and stride ({Stride}) must each be ≥ 1.");
        return this;
    }

    /// <summary>
    /// The starts of the windows whose targets lie wholly in <paramref name="targets"/>: a window may read inputs
    /// from rows before the range (the past), never its targets from rows after it.
    /// </summary>
    public IEnumerable<int> Starts(RowRange targets)
    {
        Validate();
        for (int s = Math.Max(0, targets.Start - Window); s + Window + Horizon <= targets.End; s += Stride)
            if (s + Window >= targets.Start) yield return s;
    }

    /// <summary>
    /// The windows of several series, each restricted to its own target rows: inputs [N, W, inputs], targets
    /// [N, H · targets] (row-major: step h's target k at h · targets + k). Windows never cross series.
    /// </summary>
    /// <param name="series">Each series as rows of features (already normalised, if wanted).</param>
    /// <param name="ranges">The rows whose targets each series contributes (e.g. its training rows).</param>
    /// <param name="inputs">The feature columns fed in.</param>
    /// <param name="targets">The feature columns forecast.</param>
    public TensorDataset Create(IReadOnlyList<IReadOnlyList<float[]>> series, IReadOnlyList<RowRange> ranges, IReadOnlyList<int> inputs, IReadOnlyList<int> targets)
    {
        if (series.Count != ranges.Count) throw new ArgumentException($"{series.Count} series but {ranges.Count} ranges.");
        var x = new List<float>();
        var y = new List<float>();
        int count = 0;
        for (int i = 0; i < series.Count; i++)
            foreach (int s in Starts(ranges[i]))
            {
                for (int t = s; t < s + Window; t++) foreach (int c in inputs) x.Add(series[i][t][c]);
                for (int t = s + Window; t < s + Window + Horizon; t++) foreach (int c in targets) y.Add(series[i][t][c]);
                count++;
            }
        return new TensorDataset(tensor(x.ToArray(), [count, Window, inputs.Count]), tensor(y.ToArray(), [count, Horizon * targets.Count]));
    }

    /// <summary>The windows of one series whose targets lie in <paramref name="range"/>.</summary>
    public TensorDataset Create(IReadOnlyList<float[]> series, RowRange range, IReadOnlyList<int> inputs, IReadOnlyList<int> targets) =>
        Create([series], [range], inputs, targets);
}
