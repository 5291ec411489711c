using System.Globalization;
using LmuSharp.Data;

namespace LmuSharp.Runtime;

/// <summary>
/// Runs a forecasting model exported by <c>lmu train series</c> on raw values: it standardises each input row with
/// the training split's μ and σ (metadata <c>inputs.*</c>), runs the model over a window of W rows from the zero
/// state, as it was trained, and gives the H forecast steps back in the target's units (<c>targets.*</c>).
/// Keys: docs/FORMAT.md, "Data metadata". Not thread-safe; no allocation per forecast.
/// </summary>
public sealed class WindowForecaster
{
    readonly LmuStream _stream;
    readonly float[] _row, _output;

    /// <summary>Wraps a model whose metadata carries the scaling, window and horizon.</summary>
    /// <exception cref="InvalidDataException">The metadata lacks them or disagrees with the model's sizes.</exception>
    public WindowForecaster(LmuModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Inputs = FeatureScaling.FromMetadata(model.Metadata, "inputs") ?? throw Missing("inputs.names");
        Targets = FeatureScaling.FromMetadata(model.Metadata, "targets") ?? throw Missing("targets.names");
        Window = Integer(model, "forecast.window");
        Horizon = Integer(model, "forecast.horizon");
        if (Inputs.Count != model.InputSize || Horizon * Targets.Count != model.OutputSize)
            throw new InvalidDataException($"the model takes {model.InputSize} inputs and gives {model.OutputSize} outputs, but its metadata names {Inputs.Count} inputs and {Horizon} × {Targets.Count} forecasts.");
        _stream = model.CreateStream();
        _row = new float[model.InputSize];
        _output = new float[model.OutputSize];
    }

    /// <summary>The input columns and their standardisation.</summary>
    public FeatureScaling Inputs { get; }

    /// <summary>The forecast columns and their standardisation.</summary>
    public FeatureScaling Targets { get; }

    /// <summary>W: rows per forecast.</summary>
    public int Window { get; }

    /// <summary>H: steps forecast.</summary>
    public int Horizon { get; }

    /// <summary>
    /// Forecasts from a window of raw rows (W rows of <see cref="Inputs"/>, row-major) into <paramref name="forecast"/>
    /// (H steps of <see cref="Targets"/>, step-major), in the targets' units.
    /// </summary>
    public void Forecast(ReadOnlySpan<float> window, Span<float> forecast)
    {
        if (window.Length != Window * Inputs.Count) throw new ArgumentException($"the window has {window.Length} values, expected {Window} rows × {Inputs.Count} inputs.", nameof(window));
        if (forecast.Length != _output.Length) throw new ArgumentException($"the forecast has room for {forecast.Length} values, expected {_output.Length}.", nameof(forecast));
        _stream.Reset();
        for (int t = 0; t < Window; t++)
        {
            window.Slice(t * Inputs.Count, Inputs.Count).CopyTo(_row);
            Inputs.Normalize(_row);
            _stream.Step(_row, _output);
        }
        _output.CopyTo(forecast);
        Targets.Denormalize(forecast);
    }

    static int Integer(LmuModel model, string key) =>
        model.Metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value : throw new InvalidDataException($"metadata '{key}' is missing or not a positive integer: the model was not exported by `lmu train series`.");

    static InvalidDataException Missing(string key) => new($"metadata '{key}' is missing: the model was not exported by `lmu train series`.");
}
