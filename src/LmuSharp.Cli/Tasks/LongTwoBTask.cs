using LmuSharp.Torch.Recurrence;
using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>
/// Hochreiter &amp; Schmidhuber's problem 2b, as Martin &amp; Cundy (2018) ran it: one-hot inputs in 128
/// dimensions; the first is ±e₁ and carries the class in its sign, every later one is a random
/// distractor e₂ … e₁₂₈; the class is read after the last step. Sequences are stored as tokens
/// (0: +e₁, 1: −e₁, k ≥ 2: e_k) and the one-hot product V·x is taken as a lookup of V's columns
/// (identical arithmetic, without a 128-wide input tensor). Model: a 2-layer GILR-LSTM of
/// <see cref="TrainConfig.Hidden"/> units (64 in the paper) with chrono-initialised gates, then a
/// linear classifier on the last output.
/// </summary>
sealed class LongTwoBTask : ITask
{
    const int Dimensions = 128;

    public string Name => "long-2b";
    public string Summary => "Hochreiter & Schmidhuber problem 2b: the class is the sign of the first of T one-hot inputs";
    public IReadOnlyList<string> Models { get; } = ["gilr-lstm"];
    public Metric Metric => Metric.Accuracy;

    public TrainConfig Defaults(string model) => model switch
    {
        "gilr-lstm" => new() { Task = Name, Model = model, Order = 1, Theta = 1, Hidden = 64, Epochs = 10, BatchSize = 16, LearningRate = 1e-2, Schedule = "constant", Length = 8192, TrainSamples = 256 },
        _ => throw new ArgumentException($"unknown model '{model}' for {Name}; expected: gilr-lstm."),
    };

    public PublishedResult? Published(string model) =>
        new("2-layer GILR-LSTM, 64 units, T = 1,048,576: converged in 14 ± 3 k iterations (9.7 h, K80)", 1.0, "Martin & Cundy, ICLR 2018");

    public TaskData Load(TrainConfig config, string? dataDirectory, Action<string> log)
    {
        int length = config.Length > 0 ? config.Length : 8192;
        var random = new Random(config.Seed);
        Split Make(int count)
        {
            var tokens = new long[(long)count * length];
            var labels = new long[count];
            for (int n = 0; n < count; n++)
            {
                labels[n] = random.Next(2);
                tokens[(long)n * length] = labels[n] == 1 ? 0 : 1; // +e₁ for class 1, −e₁ for class 0
                for (int t = 1; t < length; t++) tokens[(long)n * length + t] = 2 + random.Next(Dimensions - 1);
            }
            return new Split(torch.tensor(tokens, [count, length, 1]), torch.tensor(labels));
        }
        // Held-out sets of 128 and 256 sequences, fewer for very long ones (each 1M-step sequence is 8 MB of tokens).
        int heldOut = Math.Clamp((1 << 22) / length, 2, 128);
        return new TaskData(Make(config.TrainSamples > 0 ? config.TrainSamples : 256), Make(heldOut), Make(2 * heldOut));
    }

    public nn.Module<Tensor, Tensor> Build(TrainConfig config) => new Model(config.Hidden, config.Length > 0 ? config.Length : 8192);

    /// <summary>Tokens [batch, T, 1] → ±one-hot projection → GILR-LSTM → GILR-LSTM → logits [batch, 2].</summary>
    sealed class Model : nn.Module<Tensor, Tensor>, IExportable
    {
#pragma warning disable IDE1006 // field names are the state_dict prefixes
        readonly Parameter input;      // V: the one-hot input projection, one column per dimension
        readonly GilrLstm layer1, layer2;
        readonly Linear classifier;
#pragma warning restore IDE1006

        public Model(int hidden, int length) : base("LongTwoB")
        {
            input = nn.Parameter(nn.init.xavier_uniform_(torch.empty(Dimensions, hidden)));
            layer1 = new GilrLstm(hidden, hidden);
            layer2 = new GilrLstm(hidden, hidden);
            classifier = nn.Linear(hidden, 2);
            RegisterComponents();
            layer1.chrono_init(length);
            layer2.chrono_init(length);
        }

        /// <summary>The runtime reads the 128-dimensional one-hot (±e₁ first) inputs: V becomes a dense layer.</summary>
        public ModelExport ToExport()
        {
            using var projection = nn.Linear(Dimensions, input.shape[1], hasBias: false);
            using (torch.no_grad()) projection.weight!.copy_(input.t());
            return new ModelExport(Dimensions).AddDense(projection).Add(layer1).Add(layer2).AddDense(classifier);
        }

        public override Tensor forward(Tensor tokens)
        {
            var t = tokens.squeeze(-1);
            // Dimension of each input (token 0 and 1 are both e₁) and its sign (−1 for token 1).
            var dimension = (t - 1).clamp_min(0);
            var sign = 1 - 2 * t.eq(1).to(input.dtype);
            var x = input.index_select(0, dimension.flatten()).view(t.shape[0], t.shape[1], -1) * sign.unsqueeze(-1);
            var (h1, _) = layer1.forward(x, null);
            var (h2, _) = layer2.forward(h1, null);
            return classifier.forward(h2.select(1, -1));
        }
    }
}
