using System.Globalization;
using System.Text.Json;

namespace LmuSharp.Data;

/// <summary>
/// Per-feature standardisation z = (x − μ) / σ, with μ and σ fitted on the training rows only (so nothing of the
/// validation or test period leaks into the model), and its inverse x = μ + σ z for outputs. It travels with an
/// exported model as metadata (<see cref="ToMetadata"/>, docs/FORMAT.md), so a runtime can take raw values in
/// and give raw values out.
/// </summary>
public sealed class FeatureScaling
{
    /// <summary>Scales features with the given names, means and standard deviations (all of one length; σ &gt; 0).</summary>
    public FeatureScaling(IReadOnlyList<string> names, IReadOnlyList<double> means, IReadOnlyList<double> deviations)
    {
        if (names.Count != means.Count || names.Count != deviations.Count)
            throw new ArgumentException($"names ({names.Count}), means ({means.Count}) and deviations ({deviations.Count}) must have one length.");
        for (int i = 0; i < names.Count; i++)
            if (!double.IsFinite(means[i]) || !(deviations[i] > 0) || !double.IsFinite(deviations[i]))
                throw new ArgumentException($"feature '{names[i]}': mean {means[i]} and standard deviation {deviations[i]} must be finite, the deviation > 0.");
        Names = names.ToArray();
        Means = means.ToArray();
        Deviations = deviations.ToArray();
    }

    /// <summary>The features' names, in column order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>μ per feature.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>σ per feature (population standard deviation of the training rows).</summary>
    public IReadOnlyList<double> Deviations { get; }

    /// <summary>The number of features.</summary>
    public int Count => Names.Count;

    /// <summary>
    /// Fits μ and σ of each column of <paramref name="rows"/> (the training rows). A constant column (σ = 0) cannot
    /// be standardised and is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static FeatureScaling Fit(IReadOnlyList<string> names, IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows to fit the scaling on.", nameof(rows));
        var means = new double[names.Count];
        var deviations = new double[names.Count];
        for (int f = 0; f < names.Count; f++)
        {
            double mean = 0, squares = 0;
            for (int r = 0; r < rows.Count; r++) mean += rows[r][f];
            mean /= rows.Count;
            for (int r = 0; r < rows.Count; r++) squares += (rows[r][f] - mean) * (rows[r][f] - mean);
            double deviation = Math.Sqrt(squares / rows.Count);
            if (!(deviation > 1e-12 * Math.Max(1, Math.Abs(mean))))
                throw new ArgumentException($"column '{names[f]}' is constant ({mean.ToString("G6", CultureInfo.InvariantCulture)}) over the {rows.Count} training rows, so it cannot be standardised.");
            means[f] = mean;
            deviations[f] = deviation;
        }
        return new FeatureScaling(names, means, deviations);
    }

    /// <summary>z = (x − μ) / σ, feature by feature, in place (<paramref name="values"/> holds whole rows of <see cref="Count"/> features).</summary>
    public void Normalize(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)((values[i] - Means[i % Count]) / Deviations[i % Count]);
    }

    /// <summary>A normalised copy of <paramref name="row"/> (see <see cref="Normalize"/>); the row is left as it is.</summary>
    /// <param name="row">Whole rows of <see cref="Count"/> features.</param>
    public float[] Normalized(ReadOnlySpan<float> row)
    {
        var z = row.ToArray();
        Normalize(z);
        return z;
    }

    /// <summary>x = μ + σ z, feature by feature, in place (<paramref name="values"/> holds whole rows of <see cref="Count"/> features).</summary>
    public void Denormalize(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(Means[i % Count] + Deviations[i % Count] * values[i]);
    }

    /// <summary>
    /// The scaling as metadata under <paramref name="prefix"/> (e.g. "inputs"): <c>{prefix}.names</c>, <c>{prefix}.mean</c> and
    /// <c>{prefix}.std</c>, each a JSON array (names as strings, numbers round-trip).
    /// </summary>
    public IReadOnlyDictionary<string, string> ToMetadata(string prefix) => new Dictionary<string, string>
    {
        [prefix + ".names"] = JsonSerializer.Serialize(Names),
        [prefix + ".mean"] = JsonSerializer.Serialize(Means),
        [prefix + ".std"] = JsonSerializer.Serialize(Deviations),
    };

    /// <summary>Reads a scaling written by <see cref="ToMetadata"/>, or null when the metadata has none under <paramref name="prefix"/>.</summary>
    /// <exception cref="InvalidDataException">The keys are present but malformed.</exception>
    public static FeatureScaling? FromMetadata(IReadOnlyDictionary<string, string> metadata, string prefix)
    {
        if (!metadata.TryGetValue(prefix + ".names", out var names)) return null;
        try
        {
            return new FeatureScaling(Array(names), Array(metadata[prefix + ".mean"]).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
                Array(metadata[prefix + ".std"]).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or ArgumentException or JsonException)
        {
            throw new InvalidDataException($"metadata '{prefix}.*' does not describe a feature scaling: {e.Message}");
        }
    }

    /// <summary>A JSON array's elements as invariant-culture text.</summary>
    static string[] Array(string json) => JsonSerializer.Deserialize<JsonElement[]>(json)!
        .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToArray();
}
