using System.Numerics.Tensors;
using System.Text.Json;
using LmuSharp.Data;

namespace LmuSharp.Runtime;

/// <summary>
/// Runs a sequence classifier exported by <c>lmu train sequences</c> on raw rows, one at a time: each row is
/// standardised with the training split's μ and σ (metadata <c>inputs.*</c>) and stepped through the model from the
/// zero state; after a sequence's last row, <see cref="Classify"/> gives the class probabilities (softmax of the
/// outputs) and the most probable class of <c>classify.classes</c>. Memory does not grow with the sequence.
/// Keys: docs/FORMAT.md, "Data metadata". Not thread-safe; no allocation per row.
/// </summary>
public sealed class StreamingClassifier
{
    readonly LmuStream _stream;
    readonly float[] _row, _logits;

    /// <summary>Wraps a model whose metadata carries the input scaling and the classes.</summary>
    /// <exception cref="InvalidDataException">The metadata lacks them or disagrees with the model's sizes.</exception>
    public StreamingClassifier(LmuModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Inputs = FeatureScaling.FromMetadata(model.Metadata, "inputs") ?? throw Missing("inputs.names");
        Classes = ReadClasses(model.Metadata);
        if (Inputs.Count != model.InputSize || Classes.Count != model.OutputSize)
            throw new InvalidDataException($"the model takes {model.InputSize} inputs and gives {model.OutputSize} outputs, but its metadata names {Inputs.Count} inputs and {Classes.Count} classes.");
        _stream = model.CreateStream();
        _row = new float[model.InputSize];
        _logits = new float[model.OutputSize];
    }

    /// <summary>The input columns and their standardisation.</summary>
    public FeatureScaling Inputs { get; }

    /// <summary>The class names, in output order.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Rows pushed since the last <see cref="Reset"/>.</summary>
    public long Rows { get; private set; }

    /// <summary>Steps the model with the sequence's next raw row (<see cref="Inputs"/>, in their order).</summary>
    public void Push(ReadOnlySpan<float> row)
    {
        if (row.Length != _row.Length) throw new ArgumentException($"the row has {row.Length} values, expected {_row.Length} inputs.", nameof(row));
        row.CopyTo(_row);
        Inputs.Normalize(_row);
        _stream.Step(_row, _logits);
        Rows++;
    }

    /// <summary>The class probabilities after the rows pushed so far, into <paramref name="probabilities"/>; returns the most probable class's index.</summary>
    /// <exception cref="InvalidOperationException">No row was pushed since the last <see cref="Reset"/>.</exception>
    public int Classify(Span<float> probabilities)
    {
        if (Rows == 0) throw new InvalidOperationException("no row pushed: a sequence has at least one row.");
        if (probabilities.Length != _logits.Length) throw new ArgumentException($"room for {probabilities.Length} probabilities, expected {_logits.Length}.", nameof(probabilities));
        TensorPrimitives.SoftMax(_logits, probabilities);
        return TensorPrimitives.IndexOfMax(_logits);
    }

    /// <summary>Returns to the zero state, for the next sequence.</summary>
    public void Reset()
    {
        _stream.Reset();
        Rows = 0;
    }

    static string[] ReadClasses(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("classify.classes", out var json)) throw Missing("classify.classes");
        try { return JsonSerializer.Deserialize<string[]>(json) is { Length: >= 2 } classes ? classes : throw new JsonException("fewer than two classes"); }
        catch (JsonException e) { throw new InvalidDataException($"metadata 'classify.classes' is not a JSON array of at least two class names: {e.Message}"); }
    }

    static InvalidDataException Missing(string key) => new($"metadata '{key}' is missing: the model was not exported by `lmu train sequences`.");
}
