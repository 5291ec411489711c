using System.Globalization;

namespace LmuSharp.Runtime;

/// <summary>
/// Reads the tensors and <c>__metadata__</c> of a model under a name prefix (e.g. <c>layers.0.</c>),
/// checking every shape and value, and remembering which tensors were used so unused ones can be refused.
/// Problems are <see cref="InvalidDataException"/>s naming the key or tensor.
/// </summary>
internal sealed class WeightReader
{
    readonly IReadOnlyDictionary<string, float[]> _values;
    readonly IReadOnlyDictionary<string, long[]>? _shapes;
    readonly IReadOnlyDictionary<string, string> _metadata;
    readonly HashSet<string> _used;

    public WeightReader(IReadOnlyDictionary<string, float[]> values, IReadOnlyDictionary<string, long[]>? shapes, IReadOnlyDictionary<string, string> metadata)
        : this(values, shapes, metadata, new HashSet<string>(StringComparer.Ordinal), "") { }

    WeightReader(IReadOnlyDictionary<string, float[]> values, IReadOnlyDictionary<string, long[]>? shapes, IReadOnlyDictionary<string, string> metadata, HashSet<string> used, string prefix)
    {
        _values = values;
        _shapes = shapes;
        _metadata = metadata;
        _used = used;
        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>A reader for names under Prefix + prefix, sharing the record of used tensors.</summary>
    public WeightReader Under(string prefix) => new(_values, _shapes, _metadata, _used, Prefix + prefix);

    /// <summary>The float32 tensor Prefix + name, which must have exactly this shape.</summary>
    public float[] Tensor(string name, params int[] shape)
    {
        string full = Prefix + name;
        string expected = $"[{string.Join(", ", shape)}]";
        if (!_values.TryGetValue(full, out var values)) throw Invalid($"missing tensor '{full}' (expected shape {expected})");
        long count = shape.Aggregate(1L, (p, d) => p * d);
        if (_shapes is not null && _shapes.TryGetValue(full, out var actual) && !actual.SequenceEqual(shape.Select(d => (long)d)))
            throw Invalid($"tensor '{full}' has shape [{string.Join(", ", actual)}], expected {expected}");
        if (values.Length != count) throw Invalid($"tensor '{full}' has {values.Length} elements, expected {count} (shape {expected})");
        int bad = LmuBatch.IndexOfNonFinite(values);
        if (bad >= 0) throw Invalid($"tensor '{full}' holds {values[bad]} at element {bad}; weights must be finite");
        _used.Add(full);
        return values;
    }

    public string Text(string key) =>
        _metadata.TryGetValue(Prefix + key, out var value) ? value : throw Invalid($"missing metadata key '{Prefix + key}'");

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

    public string OneOf(string key, params string[] allowed)
    {
        var text = Text(key);
        return allowed.Contains(text) ? text : throw Invalid($"metadata '{Prefix + key}' = '{text}' is not one of: {string.Join(", ", allowed)}");
    }

    public Activation Activation(string key) => Activations.TryParse(OneOf(key, Activations.Names), out var activation) ? activation : default;

    /// <summary>Refuses tensors the architecture does not use (usually a naming mistake in an exporter).</summary>
    public void CheckAllUsed()
    {
        var unused = _values.Keys.Where(name => !_used.Contains(name)).Order(StringComparer.Ordinal).ToArray();
        if (unused.Length > 0) throw Invalid($"tensor(s) not used by the architecture in the metadata: {string.Join(", ", unused)}");
    }

    public static InvalidDataException Invalid(string problem) => new($"invalid LmuSharp model: {problem}.");
}
