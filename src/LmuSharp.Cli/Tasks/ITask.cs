namespace LmuSharp.Cli.Tasks;

/// <summary>Inputs [N, T, features] and targets (class indices [N], or values [N, …]) of one split.</summary>
sealed record Split(Tensor Inputs, Tensor Targets) : IDisposable
{
    public long Count => Inputs.shape[0];
    public void Dispose() { Inputs.Dispose(); Targets.Dispose(); }
}

/// <summary>The three splits of a task's data.</summary>
sealed record TaskData(Split Train, Split Validation, Split Test) : IDisposable
{
    public void Dispose() { Train.Dispose(); Validation.Dispose(); Test.Dispose(); }
}

/// <summary>A published figure to compare a run with.</summary>
sealed record PublishedResult(string Model, double Value, string Source);

/// <summary>A benchmark task of the papers: its data, its models, its metric and its published result.</summary>
interface ITask
{
    /// <summary>The name on the command line.</summary>
    string Name { get; }
    /// <summary>One line for `lmu tasks`.</summary>
    string Summary { get; }
    /// <summary>The model variants, the first being the default.</summary>
    IReadOnlyList<string> Models { get; }
    /// <summary>The paper configuration for a model variant.</summary>
    TrainConfig Defaults(string model);
    /// <summary>The metric reported ("accuracy" for classification, "nrmse" for regression).</summary>
    Metric Metric { get; }
    /// <summary>The number to compare with, per model variant (null when the papers give none).</summary>
    PublishedResult? Published(string model);
    /// <summary>Loads or generates the data for a configuration.</summary>
    TaskData Load(TrainConfig config, string? dataDirectory, Action<string> log);
    /// <summary>Builds the model: input [batch, T, features] → output matching the targets.</summary>
    nn.Module<Tensor, Tensor> Build(TrainConfig config);
}
