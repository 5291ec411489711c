using LmuSharp.Signals;
using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>
/// Learn a pure delay: the input is band-limited white noise (cutoff 0.05 cycles per step, unit RMS),
/// the target at every step is the input <see cref="TrainConfig.Theta"/>·0.8 steps earlier (zero before
/// the stream starts). Unlike `lmu capacity`, the readout is learnt, not the Legendre formula. Models:
/// one LMU layer without hidden cell (memory order d, window θ) and a linear readout, or an LSTM.
/// Score: NRMSE over every step after the first θ.
/// </summary>
sealed class DelayTask : ITask
{
    public string Name => "delay";
    public string Summary => "output the input delayed by 0.8θ steps, from a band-limited white-noise stream; NRMSE";
    public IReadOnlyList<string> Models { get; } = ["lmu", "lstm"];
    public Metric Metric => Metric.Nrmse;

    public TrainConfig Defaults(string model) => model switch
    {
        "lmu" => new() { Task = Name, Model = model, Order = 32, Theta = 100, Hidden = 1, Epochs = 20, BatchSize = 16, LearningRate = 0.1, Schedule = "cosine", Length = 1000, Mode = "fft" },
        "lstm" => new() { Task = Name, Model = model, Order = 1, Theta = 100, Hidden = 64, Epochs = 20, BatchSize = 16, LearningRate = 1e-2, Schedule = "cosine", Length = 1000 },
        _ => throw new ArgumentException($"unknown model '{model}' for {Name}; expected one of: {string.Join(", ", Models)}."),
    };

    public PublishedResult? Published(string model) => null;

    public int Delay(TrainConfig config) => (int)Math.Round(0.8 * config.Theta);

    public TaskData Load(TrainConfig config, string? dataDirectory, Action<string> log)
    {
        int length = config.Length > 0 ? config.Length : 1000, delay = Delay(config);
        if (delay >= length) throw new ArgumentException($"--theta {config.Theta} gives a delay of {delay} steps, not shorter than --length {length}.");
        var random = new Random(config.Seed);
        Split Make(int count)
        {
            var inputs = new float[count * length];
            var targets = new float[count * length];
            for (int n = 0; n < count; n++)
            {
                var u = new BandLimitedNoise(length, 0.05, random).Sample(length);
                for (int t = 0; t < length; t++)
                {
                    inputs[n * length + t] = (float)u[t];
                    targets[n * length + t] = t >= delay ? (float)u[t - delay] : 0;
                }
            }
            return new Split(torch.tensor(inputs, [count, length, 1]), torch.tensor(targets, [count, length, 1]));
        }
        return new TaskData(Make(config.TrainSamples > 0 ? config.TrainSamples : 256), Make(32), Make(64));
    }

    public nn.Module<Tensor, Tensor> Build(TrainConfig config) => config.Model switch
    {
        "lmu" => new DelayModel(new Lmu(new LmuOptions(1, config.Order, config.Theta) { ReturnSequences = true },
            Enum.Parse<LmuMode>(config.Mode, ignoreCase: true)), config.Order),
        "lstm" => new DelayModel(nn.LSTM(1, config.Hidden, batchFirst: true), config.Hidden),
        _ => throw new ArgumentException($"unknown model '{config.Model}' for {Name}."),
    };

    /// <summary>A sequence layer and a per-step linear readout.</summary>
    sealed class DelayModel : nn.Module<Tensor, Tensor>, IExportable
    {
#pragma warning disable IDE1006 // field names are the state_dict prefixes
        readonly nn.Module layer;
        readonly Linear readout;
#pragma warning restore IDE1006

        public DelayModel(nn.Module layer, int features) : base(nameof(DelayModel))
        {
            this.layer = layer;
            readout = nn.Linear(features, 1);
            RegisterComponents();
        }

        public ModelExport ToExport() => layer is Lmu lmu
            ? new ModelExport(1).Add(lmu).AddDense(readout)
            : throw new NotSupportedException("the streaming runtime has no LSTM layer: only the delay 'lmu' model can be exported.");

        public override Tensor forward(Tensor input) => readout.forward(layer switch
        {
            Lmu lmu => lmu.forward(input, null).Output,
            LSTM lstm => lstm.forward(input).Item1,
            _ => throw new InvalidOperationException($"unexpected layer {layer.GetType().Name}"),
        });
    }
}
