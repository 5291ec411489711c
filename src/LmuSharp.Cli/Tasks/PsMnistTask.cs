using LmuSharp.Cli.Data;

namespace LmuSharp.Cli.Tasks;

/// <summary>
/// Permuted sequential MNIST: each 28 × 28 image is read as 784 steps of one pixel in [0, 1], in a fixed
/// random order (Fisher–Yates with System.Random(seed 1), the same for every run). The last 10,000
/// training images (a sixth of smaller files) are the validation split; t10k is the test split.
/// </summary>
sealed class PsMnistTask : ITask
{
    const int Steps = 784;

    public string Name => "psmnist";
    public string Summary => "permuted sequential MNIST: 784 steps of one pixel, 10 classes";
    public IReadOnlyList<string> Models { get; } = ["lmu-parallel", "lmu", "lmu-no-feedback"];
    public Metric Metric => Metric.Accuracy;

    public TrainConfig Defaults(string model) => model switch
    {
        // Chilkuri & Eliasmith 2021: memory order 468, dense 346 (≈165k parameters). Dropout 0.2 on the memory and 0.5 on
        // the dense layer over 80 epochs: the memory's windows are computed once, so the epochs are cheap (docs/RESULTS.md).
        "lmu-parallel" => new()
        {
            Task = Name, Model = model, Order = 468, Theta = Steps, Hidden = 346, Epochs = 80, BatchSize = 100, LearningRate = 1e-3,
            Schedule = "cosine", Mode = "final", MemoryDropout = 0.2, Dropout = 0.5,
        },
        // Voelker et al. 2019: order 256, θ = 784, a tanh RNN cell of 212 (≈102k parameters); also without the feedback.
        "lmu" or "lmu-no-feedback" => new() { Task = Name, Model = model, Order = 256, Theta = Steps, Hidden = 212, Epochs = 10, BatchSize = 100, LearningRate = 1e-3, Schedule = "cosine" },
        _ => throw UnknownModel(model),
    };

    public PublishedResult? Published(string model) => model switch
    {
        "lmu-parallel" => new("parallel LMU, 165k parameters", 0.9849, "Chilkuri & Eliasmith, ICML 2021"),
        "lmu" or "lmu-no-feedback" => new("LMU, 102k parameters", 0.9715, "Voelker, Kajić & Eliasmith, NeurIPS 2019"),
        _ => null,
    };

    public nn.Module<Tensor, Tensor> Build(TrainConfig config) => config.Model switch
    {
        // The memory (no hidden cell), dropout on it, the dense ReLU layer of 346, dropout, the classifier.
        "lmu-parallel" => new SequenceClassifier(new Lmu(new LmuOptions(1, config.Order, config.Theta) { UseBias = true }, ParseMode(config.Mode)),
            10, config.Dropout, dense: config.Hidden, memoryDropout: config.MemoryDropout),
        "lmu" or "lmu-no-feedback" => new SequenceClassifier(InitialiseAsPublished(new Lmu(
            new LmuOptions(1, config.Order, config.Theta)
            {
                Hidden = HiddenCell.Rnn, HiddenSize = config.Hidden, HiddenActivation = Activation.Tanh, InputToHidden = true,
                HiddenToMemory = config.Model == "lmu", MemoryToMemory = config.Model == "lmu",
            }, ParseMode(config.Mode))),
            10, config.Dropout),
        _ => throw UnknownModel(config.Model),
    };

    /// <summary>
    /// The 2019 paper's psMNIST cell (the authors' notebook and LMUCell): u_t = e_x x_t + e_h·h_{t−1} + e_m·m_{t−1}
    /// with every encoder and kernel learnt, initialised as e_x = 1, e_h = e_m = 0 (no feedback yet), W_x = W_h = 0,
    /// W_m Glorot-normal; zero biases (the paper's cell has none). The cell starts as a tanh readout of the memory
    /// and learns its recurrence and the memory's feedback. "lmu-no-feedback" leaves e_h and e_m out, so its memory
    /// is computed in parallel and the tanh RNN runs on the fused kernel.
    /// </summary>
    static Lmu InitialiseAsPublished(Lmu lmu)
    {
        using var _ = no_grad();
        var cell = lmu.Cell;
        long memory = cell.Options.MemorySize, hidden = cell.Options.HiddenSize;
        cell.get_parameter("input_encoder.weight")!.fill_(1);
        cell.get_parameter("hidden_encoder.weight")?.zero_();
        cell.get_parameter("memory_encoder.weight")?.zero_();
        var weightIh = cell.get_parameter("hidden.weight_ih")!; // [H, memory + input]: W_m then W_x
        weightIh.zero_();
        weightIh.narrow(1, 0, memory).normal_(0, Math.Sqrt(2.0 / (memory + hidden)));
        cell.get_parameter("hidden.weight_hh")!.zero_();
        cell.get_parameter("hidden.bias_ih")!.zero_();
        cell.get_parameter("hidden.bias_hh")!.zero_();
        return lmu;
    }

    public TaskData Load(TrainConfig config, string? dataDirectory, Action<string> log)
    {
        var files = dataDirectory is null ? MnistSource.Cached(MnistSource.DefaultCache(), log) : MnistSource.InDirectory(dataDirectory);
        var (trainImages, trainLabels) = Read(files["train-images-idx3-ubyte"], files["train-labels-idx1-ubyte"]);
        var (testImages, testLabels) = Read(files["t10k-images-idx3-ubyte"], files["t10k-labels-idx1-ubyte"]);
        int total = trainLabels.Length;
        int validation = Math.Min(10_000, total / 6);
        int train = config.TrainSamples > 0 ? Math.Min(config.TrainSamples, total - validation) : total - validation;
        var permutation = Enumerable.Range(0, Steps).ToArray();
        new Random(1).Shuffle(permutation);
        return new TaskData(
            ToSplit(trainImages, trainLabels, 0, train, permutation),
            ToSplit(trainImages, trainLabels, total - validation, validation, permutation),
            ToSplit(testImages, testLabels, 0, testLabels.Length, permutation));
    }

    static (byte[] Images, byte[] Labels) Read(string imagesPath, string labelsPath)
    {
        var (shape, images) = Idx.Read(imagesPath, 3);
        if (shape[1] * shape[2] != Steps) throw new InvalidDataException($"{imagesPath}: images are {shape[1]}×{shape[2]}, expected 28×28.");
        var (labelShape, labels) = Idx.Read(labelsPath, 1);
        if (labelShape[0] != shape[0]) throw new InvalidDataException($"{labelsPath} holds {labelShape[0]} labels for {shape[0]} images in {imagesPath}.");
        if (labels.Any(l => l > 9)) throw new InvalidDataException($"{labelsPath}: a label is above 9.");
        return (images, labels);
    }

    /// <summary>Images [start, start + count) as [count, 784, 1] floats in [0, 1], pixels permuted, and their labels.</summary>
    static Split ToSplit(byte[] images, byte[] labels, int start, int count, int[] permutation)
    {
        var pixels = new float[(long)count * Steps];
        for (int n = 0; n < count; n++)
            for (int t = 0; t < Steps; t++)
                pixels[(long)n * Steps + t] = images[(long)(start + n) * Steps + permutation[t]] / 255f;
        var targets = labels.AsSpan(start, count).ToArray().Select(l => (long)l).ToArray();
        return new Split(torch.tensor(pixels, [count, Steps, 1]), torch.tensor(targets));
    }

    static LmuMode ParseMode(string mode) => Enum.Parse<LmuMode>(mode, ignoreCase: true);

    ArgumentException UnknownModel(string model) => new($"unknown model '{model}' for {Name}; expected one of: {string.Join(", ", Models)}.");
}
