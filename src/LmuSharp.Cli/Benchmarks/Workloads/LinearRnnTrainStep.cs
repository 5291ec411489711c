using LmuSharp.Torch.Recurrence;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// Martin &amp; Cundy's (2018) speed-up configuration: two stacked layers of 256 units over 4 inputs, batch × T = 65,536,
/// forward and backward of a sum of the outputs, float32. The model runs either on LmuSharp's kernels (its
/// <c>forward</c>: one linear-recurrence scan per layer) or stepped in TorchSharp ops (its <c>step</c> at every time
/// step, as a serial recurrent layer runs).
/// </summary>
public sealed class LinearRnnTrainStep : IWorkload
{
    /// <summary>The architectures of the paper's table.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["sru", "qrnn-2", "qrnn-10", "gilr-lstm"];

    /// <summary>Units per layer.</summary>
    public const int Hidden = 256;

    /// <summary>Inputs per step.</summary>
    public const int Inputs = 4;

    readonly nn.Module _model; // Sru, Qrnn, or a ModuleList of two GilrLstm
    readonly bool _stepped;
    readonly Tensor _x;

    /// <summary>Builds <paramref name="architecture"/> (see <see cref="Architectures"/>) and a batch of <paramref name="total"/> / <paramref name="time"/> sequences.</summary>
    /// <param name="architecture">sru, qrnn-2, qrnn-10 or gilr-lstm.</param>
    /// <param name="time">Steps per sequence.</param>
    /// <param name="stepped">Step the model in TorchSharp ops instead of running its scan.</param>
    /// <param name="total">batch × time.</param>
    public LinearRnnTrainStep(string architecture, int time, bool stepped, int total = 65_536)
    {
        manual_seed(0);
        var options = new StackOptions(Inputs, Hidden) { Layers = 2 };
        _model = architecture switch
        {
            "sru" => new Sru(options),
            "qrnn-2" => new Qrnn(options, window: 2),
            "qrnn-10" => new Qrnn(options, window: 10),
            "gilr-lstm" => nn.ModuleList<GilrLstm>(new GilrLstm(Inputs, Hidden), new GilrLstm(Hidden, Hidden)),
            _ => throw new ArgumentException($"unknown architecture '{architecture}'; expected one of: {string.Join(", ", Architectures)}.", nameof(architecture)),
        };
        _stepped = stepped;
        _x = randn(Math.Max(1, total / time), time, Inputs);
    }

    /// <summary>Forward over the sequence, then backward of the sum of the outputs.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _model.parameters()) p.grad = null;
        (_stepped ? Stepped() : Forward()).sum().backward();
    }

    Tensor Forward() => _model switch
    {
        Sru sru => sru.forward(_x, null).Output,
        Qrnn qrnn => qrnn.forward(_x, null).Output,
        _ => Layers.Aggregate(_x, (x, layer) => layer.forward(x, null).Output),
    };

    Tensor Stepped()
    {
        var outputs = new List<Tensor>();
        object? state = null;
        GilrLstmState?[] gilr = [null, null];
        foreach (var xt in _x.unbind(1))
        {
            switch (_model)
            {
                case Sru sru: (var h, state) = sru.step(xt, (Tensor?)state); outputs.Add(h); break;
                case Qrnn qrnn: (h, state) = qrnn.step(xt, (QrnnState?)state); outputs.Add(h); break;
                default:
                    h = xt;
                    int i = 0;
                    foreach (var layer in Layers) (h, gilr[i]) = layer.step(h, gilr[i++]);
                    outputs.Add(h);
                    break;
            }
        }
        return stack(outputs, 1);
    }

    /// <summary>The two GILR-LSTM layers.</summary>
    IEnumerable<GilrLstm> Layers => (TorchSharp.Modules.ModuleList<GilrLstm>)_model;

    /// <summary>Frees the model and the batch.</summary>
    public void Dispose()
    {
        _model.Dispose();
        _x.Dispose();
    }
}
