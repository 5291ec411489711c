using LmuSharp.Torch.Recurrence;
using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>
/// Hochreiter &amp; Schmidhuber's problem 2b, as Martin &amp; Cundy (2018) ran it: one-hot inputs in 128
/// dimensions; the first is ±e₁ and carries the class in its sign, every later one is a random
/// distractor e₂ … e₁₂₈; the class is read after the last step. Sequences are stored as byte tokens
/// (0: +e₁, 1: −e₁, k ≥ 2: e_k). Model: a 2-layer GILR-LSTM of <see cref="TrainConfig.Hidden"/> units
/// (64 in the paper) with chrono-initialised gates, then a linear classifier on the last output.
/// Exact shortcuts that make a million steps fit in memory and time: the first layer reads x only through
/// <see cref="GilrLstm.project"/>, so the 129 distinct inputs are projected once and each step gathers its row
/// (no one-hot tensor, no per-step product); the sequence runs in chunks under <see cref="TimeCheckpoint"/>,
/// carrying both layers' states, so only one chunk's activations exist at a time; each layer's whole chunk is one autograd
/// node on the CPU (<see cref="GilrLstm.forward_projected"/>).
/// </summary>
sealed class LongTwoBTask : ITask
{
    const int Dimensions = 128;

    /// <summary>
    /// Time steps × sequences per checkpointed chunk: a chunk's activations (≈ 4 KB a step for 2 layers of 64, ≈ 9 MB)
    /// stay near the caches, and each chunk's few libtorch calls are spread over 2,048 steps (lengths compared in
    /// docs/BENCHMARKS.md, "Problem 2b at a million steps").
    /// </summary>
    const int ChunkRows = 2048;

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
            var tokens = new byte[(long)count * length];
            var labels = new long[count];
            for (int n = 0; n < count; n++)
            {
                labels[n] = random.Next(2);
                tokens[(long)n * length] = (byte)(labels[n] == 1 ? 0 : 1); // +e₁ for class 1, −e₁ for class 0
                for (int t = 1; t < length; t++) tokens[(long)n * length + t] = (byte)(2 + random.Next(Dimensions - 1));
            }
            return new Split(torch.tensor(tokens, [count, length, 1]), torch.tensor(labels));
        }
        // Held-out sets of 128 and 256 sequences, fewer for very long ones: 16 and 32 at a million steps.
        int heldOut = Math.Clamp((1 << 24) / length, 2, 128);
        return new TaskData(Make(config.TrainSamples > 0 ? config.TrainSamples : 256), Make(heldOut), Make(2 * heldOut));
    }

    public nn.Module<Tensor, Tensor> Build(TrainConfig config) => new Model(config.Hidden, config.Length > 0 ? config.Length : 8192);

    /// <summary>Tokens [batch, T, 1] → ±one-hot projection → GILR-LSTM → GILR-LSTM → logits [batch, 2].</summary>
    sealed class Model : nn.Module<Tensor, Tensor>, IExportable, ITimeRescalable
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

        /// <summary>Both layers slowed down (<see cref="GilrLstm.rescale_time"/>); the input projection and classifier are unchanged.</summary>
        public void RescaleTime(double factor)
        {
            layer1.rescale_time(factor);
            layer2.rescale_time(factor);
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
            var t = tokens.squeeze(-1); // [batch, T]
            int hidden = (int)input.shape[1];
            // (h̃₁, c₁, h̃₂, c₂) and the second layer's last output, carried across chunks.
            var state = Enumerable.Range(0, 5).Select(_ => torch.zeros(t.shape[0], hidden, dtype: input.dtype)).ToArray();
            long chunkLength = Math.Max(128, ChunkRows / t.shape[0]);
            var final = t.shape[1] <= chunkLength ? Chunk(t, state) : TimeCheckpoint.apply(Chunk, t, state, parameters(), chunkLength);
            return classifier.forward(final[4]);
        }

        /// <summary>Both layers over tokens [batch, steps] from the carried state; returns the state after the last step.</summary>
        Tensor[] Chunk(Tensor tokens, Tensor[] state)
        {
            // The 129 distinct inputs through V: +e₁, −e₁ (tokens 0 and 1), then e₂ … e₁₂₈ (token k: column k − 1).
            var first = input.narrow(0, 0, 1);
            var vocabulary = torch.cat([first, -first, input.narrow(0, 1, Dimensions - 1)], 0);
            var projection = layer1.project(vocabulary).index_select(0, tokens.flatten().to(torch.int64)).view(tokens.shape[0], tokens.shape[1], -1);
            var (h1, s1) = layer1.forward_projected(projection, new GilrLstmState(state[0], state[1]));
            var (h2, s2) = layer2.forward(h1, new GilrLstmState(state[2], state[3]));
            // Copies, not views: a view would keep the chunk's whole sequence alive with the state.
            return [s1.Gilr.clone(), s1.Cell.clone(), s2.Gilr.clone(), s2.Cell.clone(), h2.select(1, -1).clone()];
        }
    }
}
