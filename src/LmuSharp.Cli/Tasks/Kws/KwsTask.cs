using LmuSharp.Audio;
using LmuSharp.Cli.Commands;
using LmuSharp.Cli.Data;
using LmuSharp.Cli.Data.Kws;
using Spectre.Console;

namespace LmuSharp.Cli.Tasks.Kws;

/// <summary>
/// Keyword spotting, 12 classes (Speech Commands protocol) on log-mel frames: 40 bands, 30 ms window, 20 ms hop,
/// 49 frames per 1 s clip. Reads a Speech Commands v2 folder (--data-dir); without one, synthesises the default
/// corpus with espeak-ng once into the cache (held-out voices for validation and test).
/// </summary>
sealed class KwsTask : ITask
{
    public const int DefaultMemoryD = 16;

    /// <summary>
    /// _unknown_ clips in the training split, as a percentage of its keyword clips (validation and test keep the protocol's 10%):
    /// on held-out voices the 10% model took 36% of the non-keyword words for keywords, each one a false alarm in a stream.
    /// </summary>
    public const double TrainingUnknownPercent = 40;
    (float[] Mean, float[] Scale)? _normalisation;

    public string Name => "kws";
    public string Summary => "keyword spotting, 12 classes (Speech Commands v2 layout; synthetic corpus by default), log-mel frames";
    public IReadOnlyList<string> Models { get; } = ["lmu"];
    public Metric Metric => Metric.Accuracy;

    /// <summary>Two LMU layers of 16 × 12 memory over θ = 49 frames (1 s), sized to 50,000 parameters (hidden 119); 40 epochs.</summary>
    public TrainConfig Defaults(string model)
    {
        if (model != "lmu") throw new ArgumentException($"unknown model '{model}' for {Name}; expected one of: {string.Join(", ", Models)}.");
        var config = new TrainConfig { Task = Name, Model = model, Order = 12, Theta = 49, MemoryD = DefaultMemoryD, Params = 50_000, Hidden = 1, Epochs = 40, BatchSize = 64, LearningRate = 3e-3, Schedule = "cosine" };
        return config with { Hidden = ShapeOf(config).Hidden };
    }

    public PublishedResult? Published(string model) =>
        new("DS-CNN, 38.6k parameters, on the real Speech Commands", 0.944, "Zhang et al. 2017, Hello Edge");

    /// <summary>The model's sizes for a configuration (the hidden size from --params when a budget is given).</summary>
    public static KwsShape ShapeOf(TrainConfig config)
    {
        var shape = new KwsShape(new LogMelOptions().Bands, config.MemoryD > 0 ? config.MemoryD : DefaultMemoryD, config.Order, config.Theta, config.Hidden, SpeechCommands.Labels.Length);
        return config.Params > 0 ? shape with { Hidden = KwsShape.HiddenFor(config.Params, shape) } : shape;
    }

    public nn.Module<Tensor, Tensor> Build(TrainConfig config)
    {
        var model = new KwsModel(ShapeOf(config), config.Quantize == "int8", new LogMelOptions());
        if (_normalisation is { } n) model.SetNormalisation(n.Mean, n.Scale);
        return model;
    }

    public TaskData Load(TrainConfig config, string? dataDirectory, Action<string> log)
    {
        var root = dataDirectory ?? DefaultCorpus(log);
        var splits = SpeechCommands.Read(root, trainingUnknownPercent: TrainingUnknownPercent);
        var train = splits.Train.ToArray();
        if (config.TrainSamples > 0) // a seeded random subset: the split is ordered by class
        {
            new Random(config.Seed).Shuffle(train);
            train = train[..Math.Min(config.TrainSamples, train.Length)];
        }
        log($"{root}: {train.Length:N0} train / {splits.Validation.Count:N0} validation / {splits.Test.Count:N0} test clips; computing log-mel features.");
        var trainSplit = Features(train);
        _normalisation = Normalisation(trainSplit.Inputs);
        return new TaskData(trainSplit, Features(splits.Validation), Features(splits.Test));
    }

    /// <summary>The default synthetic corpus, written once into the cache (via a temporary folder, so a killed run leaves none).</summary>
    static string DefaultCorpus(Action<string> log)
    {
        var options = new KwsSynthOptions();
        var root = Path.Combine(Path.GetDirectoryName(MnistSource.DefaultCache())!, $"kws-synth-{options.Seed}");
        if (Directory.Exists(root)) return root;
        log($"No --data-dir: synthesising the default corpus into {root} (once).");
        var temporary = root + $".{Environment.ProcessId}.tmp";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, true);
        DataCommand.Synthesise(temporary, options, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }));
        Directory.Move(temporary, root);
        return root;
    }

    /// <summary>Log-mel frames [N, 49, 40] of the examples (in parallel, one frontend per thread) and their labels.</summary>
    static Split Features(IReadOnlyList<KwsExample> examples)
    {
        var options = new LogMelOptions();
        int frames = options.FrameCount(SpeechCommands.ClipSamples), size = frames * options.Bands;
        var features = new float[(long)examples.Count * size];
        using var frontend = new ThreadLocal<LogMelFrontend>(() => new LogMelFrontend(options));
        Parallel.For(0, examples.Count, i => frontend.Value!.Compute(SpeechCommands.LoadClip(examples[i])).CopyTo(features.AsSpan((int)((long)i * size), size)));
        return new Split(torch.tensor(features, [examples.Count, frames, options.Bands]), torch.tensor(examples.Select(e => (long)e.Label).ToArray()));
    }

    /// <summary>Per-band mean and 1 / standard deviation over the training frames.</summary>
    static (float[] Mean, float[] Scale) Normalisation(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        var flat = inputs.reshape(-1, inputs.shape[2]);
        var mean = flat.mean([0]);
        var scale = flat.std([0]).clamp_min(1e-3).reciprocal();
        return (mean.data<float>().ToArray(), scale.data<float>().ToArray());
    }
}
