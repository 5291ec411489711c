using LmuSharp.Serialization;
using LmuSharp.Torch;
using LmuSharp.Torch.Export;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Onnx.Tests;

/// <summary>
/// Every architecture the runtime runs, built from TorchSharp modules and exported with ModelExport: the reference
/// forward for the ONNX graphs. Dense heads carry their own activation.
/// </summary>
sealed class Architecture
{
    public const int Features = 3;
    public List<(nn.Module Module, Activation Activation)> Layers { get; } = [];
    public ModelExport Export { get; } = new(Features);

    public static readonly string[] Names =
    [
        "parallel-linear", "parallel-none", "parallel-channels-gelu", "cell-rnn-2019", "cell-rnn-relu", "cell-lstm", "cell-gru",
        "cell-linear-feedback", "cell-none", "trained-theta", "trained-ab-euler", "gilr-stack", "sru-stack", "qrnn-stack",
    ];

    void Add(nn.Module m, Activation activation = Activation.Identity)
    {
        Layers.Add((m, activation));
        _ = m switch
        {
            Lmu l => Export.Add(l),
            Gilr g => Export.Add(g),
            GilrLstm g => Export.Add(g),
            Sru sru => Export.Add(sru),
            Qrnn qrnn => Export.Add(qrnn),
            Linear d => Export.AddDense(d, activation),
            _ => throw new InvalidOperationException(),
        };
    }

    public static Architecture Build(string name)
    {
        var a = new Architecture();
        var o = new LmuOptions(Features, 12, 40) { ReturnSequences = true, MemoryD = 2 };
        switch (name)
        {
            case "parallel-linear":
                a.Add(new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 8, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true }));
                a.Add(nn.Linear(8, 4), Activation.Tanh);
                break;
            case "parallel-none": a.Add(new Lmu(o with { MemoryD = 1 })); break;
            case "parallel-channels-gelu":
                a.Add(new Lmu(o with { MemoryD = 3, Order = 7, Hidden = HiddenCell.Linear, HiddenSize = 6, HiddenActivation = Activation.Gelu, UseBias = true }));
                a.Add(nn.Linear(6, 5), Activation.Sigmoid);
                a.Add(nn.Linear(5, 2), Activation.Gelu);
                break;
            case "cell-rnn-2019":
                a.Add(new Lmu(o with { MemoryD = 1, Hidden = HiddenCell.Rnn, HiddenSize = 8, HiddenToMemory = true, MemoryToMemory = true, InputToHidden = true }));
                break;
            case "cell-rnn-relu":
                a.Add(new Lmu(o with { Hidden = HiddenCell.Rnn, HiddenSize = 5, HiddenActivation = Activation.Relu, HiddenToMemory = true }));
                break;
            case "cell-lstm": a.Add(new Lmu(o with { Hidden = HiddenCell.Lstm, HiddenSize = 6, HiddenToMemory = true, UseBias = true })); break;
            case "cell-gru": a.Add(new Lmu(o with { Hidden = HiddenCell.Gru, HiddenSize = 6, MemoryToMemory = true, InputToHidden = true })); break;
            case "cell-linear-feedback":
                a.Add(new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 5, HiddenActivation = Activation.Tanh, HiddenToMemory = true }));
                break;
            case "cell-none": a.Add(new Lmu(o with { Discretizer = LmuSharp.Memory.Discretizer.Bilinear, MemoryToMemory = true })); break;
            case "trained-theta":
                var layer = new Lmu(o with { Hidden = HiddenCell.Linear, HiddenSize = 4, TrainableTheta = true });
                using (no_grad()) layer.get_parameter("cell.theta_inv")!.fill_(1 / 55.5);
                a.Add(layer);
                break;
            case "trained-ab-euler":
                var ab = new Lmu(o with { Order = 6, Theta = 60, Discretizer = LmuSharp.Memory.Discretizer.Euler, TrainableAB = true, Hidden = HiddenCell.Lstm, HiddenSize = 4 });
                using (no_grad()) foreach (var (n, p) in ab.named_parameters()) if (n.EndsWith(".A") || n.EndsWith(".B")) p.mul_(1.1);
                a.Add(ab);
                a.Add(nn.Linear(4, 3));
                break;
            case "gilr-stack":
                a.Add(new Gilr(Features, 7));
                a.Add(new GilrLstm(7, 5));
                a.Add(nn.Linear(5, 2), Activation.Tanh);
                break;
            case "sru-stack": // a skip projection (3 → 6), then the identity highway
                a.Add(new Sru(new StackOptions(Features, 6) { Layers = 2 }));
                a.Add(nn.Linear(6, 2));
                break;
            case "qrnn-stack":
                a.Add(new Qrnn(new StackOptions(Features, 6) { Layers = 2 }, window: 3));
                a.Add(new Qrnn(6, 4, window: 1));
                break;
            default: throw new ArgumentException(name);
        }
        return a;
    }

    /// <summary>The TorchSharp forward of the whole stack on x [batch, time, Features].</summary>
    public Tensor Forward(Tensor x)
    {
        foreach (var (layer, activation) in Layers)
            x = layer switch
            {
                Lmu l => l.forward(x, null).Output,
                Gilr g => g.forward(x, null).Output,
                GilrLstm g => g.forward(x, null).Output,
                Sru sru => sru.forward(x, null).Output,
                Qrnn qrnn => qrnn.forward(x, null).Output,
                Linear d => activation switch
                {
                    Activation.Identity => d.forward(x),
                    Activation.Tanh => d.forward(x).tanh(),
                    Activation.Sigmoid => d.forward(x).sigmoid(),
                    Activation.Relu => d.forward(x).relu(),
                    _ => nn.functional.gelu(d.forward(x)),
                },
                _ => throw new InvalidOperationException(),
            };
        return x;
    }

    public SafeTensorsFile File => Export.ToSafeTensors();
}
