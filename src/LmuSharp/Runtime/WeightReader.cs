using System.Globalization;

namespace LmuSharp.Runtime;

/// <summary>
/// Reads the tensors and <c>__metadata__</c> of a model under a name prefix (e.g. <c>layers.0.</c>),
/// checking every shape and value, and remembering which tensors were used so unused ones can be refused.
/// Problems are <see cref="InvalidDataException"/>s naming the key or tensor.
/// </summary>
internal sealed class WeightReader(WeightReader.Contents contents, string prefix)
{
    /// <summary>A reader of a whole model: every name, no prefix.</summary>
    public WeightReader(IReadOnlyDictionary<string, float[]> values, IReadOnlyDictionary<string, long[]>? shapes, IReadOnlyDictionary<string, string> metadata)
        : this(new Contents(values, shapes, metadata, new HashSet<string>(StringComparer.Ordinal)), "") { }

    public string Prefix => prefix;

    /// <summary>A reader for names under Prefix + prefix, sharing the record of used tensors.</summary>
    public WeightReader Under(string prefix) => new(contents, Prefix + prefix);

    /// <summary>The float32 tensor Prefix + name, which must have exactly this shape.</summary>
    public float[] Tensor(string name, params int[] shape)
    {
        string full = Prefix + name;
        string expected = $"[{string.Join(", ", shape)}]";
        if (!contents.Values.TryGetValue(full, out var values)) throw Invalid($"missing tensor '{full}' (expected shape {expected})");
        long count = shape.Aggregate(1L, (p, d) => p * d);
        if (contents.Shapes is not null && contents.Shapes.TryGetValue(full, out var actual) && !actual.SequenceEqual(shape.Select(d => (long)d)))
            throw Invalid($"tensor '{full}' has shape [{string.Join(", ", actual)}], expected {expected}");
        if (values.Length != count) throw Invalid($"tensor '{full}' has {values.Length} elements, expected {count} (shape {expected})");
        int bad = LmuBatch.IndexOfNonFinite(values);
        if (bad >= 0) throw Invalid($"tensor '{full}' holds {values[bad]} at element {bad}; weights must be finite");
        contents.Used.Add(full);
        return values;
    }

    public string Text(string key) =>
        contents.Metadata.TryGetValue(Prefix + key, out var value) ? value : throw Invalid($"missing metadata key '{Prefix + key}'");

    /// <summary>The largest size a model may give (so that products of two sizes cannot overflow).</summary>
    public const int MaxSize = 32768;

    public int Int(string key, int minimum = 1)
    {
        var text = Text(key);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= minimum && value <= MaxSize ? value
            : throw Invalid($"metadata '{Prefix + key}' = '{text}' is not an integer in [{minimum}, {MaxSize}]");
    }

    public double PositiveDouble(string key)
    {
        var text = Text(key);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value > 0 ? value
            : throw Invalid($"metadata '{Prefix + key}' = '{text}' is not a finite number > 0");
    }

    public bool Bool(string key) => Text(key) switch
    {
        "true" => true,
        "false" => false,
        var text => throw Invalid($"metadata '{Prefix + key}' = '{text}' is not 'true' or 'false'"),
    };

    public string OneOf(string key, params IReadOnlyList<string> allowed)
    {
        var text = Text(key);
        return allowed.Contains(text) ? text : throw Invalid($"metadata '{Prefix + key}' = '{text}' is not one of: {string.Join(", ", allowed)}");
    }

    public Activation Activation(string key) => ActivationNames.Parse(OneOf(key, ActivationNames.All));

    /// <summary>Refuses tensors the architecture does not use (usually a naming mistake in an exporter).</summary>
    public void CheckAllUsed()
    {
        var unused = contents.Values.Keys.Where(name => !contents.Used.Contains(name)).Order(StringComparer.Ordinal).ToArray();
        if (unused.Length > 0) throw Invalid($"tensor(s) not used by the architecture in the metadata: {string.Join(", ", unused)}");
    }

    public static InvalidDataException Invalid(string problem) => new($"invalid LmuSharp model: {problem}.");

    /// <summary>A model's tensors (with their shapes, when read from a file) and metadata, and the names read so far.</summary>
    internal sealed record Contents(IReadOnlyDictionary<string, float[]> Values, IReadOnlyDictionary<string, long[]>? Shapes,
        IReadOnlyDictionary<string, string> Metadata, HashSet<string> Used);
}
