namespace LmuSharp.Cli.Training;

/// <summary>
/// Every hyper-parameter of a training run. Each task supplies its paper configuration as defaults;
/// the command line overrides any of them; the run directory and every checkpoint keep a copy.
/// </summary>
sealed record TrainConfig
{
    /// <summary>The task's name (e.g. "psmnist").</summary>
    public required string Task { get; init; }
    /// <summary>The model variant, as the task names them (e.g. "lmu-parallel", "lmu", "lstm").</summary>
    public required string Model { get; init; }
    /// <summary>The Legendre memory's order d.</summary>
    public int Order { get; init; }
    /// <summary>The memory window θ, in steps.</summary>
    public double Theta { get; init; }
    /// <summary>The hidden size.</summary>
    public int Hidden { get; init; }
    /// <summary>The parallel memory mode (auto, fft, raw, final, chunked).</summary>
    public string Mode { get; init; } = "auto";
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; }
    /// <summary>Samples per optimiser step.</summary>
    public int BatchSize { get; init; }
    /// <summary>Adam's learning rate (the peak, with a schedule).</summary>
    public double LearningRate { get; init; }
    /// <summary>constant or cosine (annealed per epoch to 1% of the peak).</summary>
    public string Schedule { get; init; } = "constant";
    /// <summary>Dropout rate where the model has dropout.</summary>
    public double Dropout { get; init; }
    /// <summary>Dropout rate on the LMU's memory before a dense layer, where the model has one.</summary>
    public double MemoryDropout { get; init; }
    /// <summary>Clips the gradients' global L2 norm to this before each update (0: no clipping).</summary>
    public double ClipGradNorm { get; init; }
    /// <summary>Seeds the weights, the data order and the task's random data.</summary>
    public int Seed { get; init; }
    /// <summary>Intra-op threads for TorchSharp (0: the cores other processes leave free, see <see cref="LoadAwareThreads"/>).</summary>
    public int Threads { get; init; }
    /// <summary>Use only the first N training samples (0: all); for quick runs and tests.</summary>
    public int TrainSamples { get; init; }
    /// <summary>Sequence length for tasks where it is a choice (0: the task's default).</summary>
    public int Length { get; init; }

    /// <summary>Memory channels per LMU layer, for tasks that choose it (0: the task's default).</summary>
    public int MemoryD { get; init; }
    /// <summary>A parameter budget that sizes the model, for tasks that support it (0: none).</summary>
    public int Params { get; init; }
    /// <summary>Quantisation-aware training: "none" or "int8", for tasks that support it.</summary>
    public string Quantize { get; init; } = "none";

    /// <summary>Throws a clear error for out-of-range values.</summary>
    public TrainConfig Validate()
    {
        Require(Order >= 1, "--order must be ≥ 1");
        Require(double.IsFinite(Theta) && Theta > 0, "--theta must be finite and > 0");
        Require(Hidden >= 1, "--hidden must be ≥ 1");
        Require(Epochs >= 1, "--epochs must be ≥ 1");
        Require(BatchSize >= 1, "--batch-size must be ≥ 1");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, "--lr must be finite and > 0");
        Require(Schedule is "constant" or "cosine", "--schedule must be constant or cosine");
        Require(Dropout is >= 0 and < 1, "--dropout must lie in [0, 1)");
        Require(MemoryDropout is >= 0 and < 1, "--memory-dropout must lie in [0, 1)");
        Require(double.IsFinite(ClipGradNorm) && ClipGradNorm >= 0, "--clip-grad-norm must be finite and ≥ 0 (0: no clipping)");
        Require(Threads >= 0, "--threads must be ≥ 0 (0: the cores other processes leave free)");
        Require(TrainSamples >= 0, "--train-samples must be ≥ 0 (0: all)");
        Require(Length >= 0, "--length must be ≥ 0 (0: the task's default)");
        Require(MemoryD >= 0, "--memory-d must be ≥ 0 (0: the task's default)");
        Require(Params >= 0, "--params must be ≥ 0 (0: no budget)");
        Require(Quantize is "none" or "int8", "--quantize must be none or int8");
        Require(Mode is "auto" or "sequential" or "fft" or "raw" or "final" or "chunked", "--mode must be auto, sequential, fft, raw, final or chunked");
        return this;
    }

    /// <summary>The schedule as the library names it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public LearningRateSchedule LearningRateSchedule => Schedule == "cosine" ? LearningRateSchedule.Cosine : LearningRateSchedule.Constant;

    /// <summary>The learning rate for an epoch (0-based) under the schedule.</summary>
    public double LearningRateAt(int epoch) => LearningRateSchedule.At(LearningRate, epoch, Epochs);

    static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message + ".");
    }
}
