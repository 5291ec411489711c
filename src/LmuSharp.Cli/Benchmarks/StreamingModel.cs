using System.Globalization;
using LmuSharp.Memory;
using LmuSharp.Runtime;
using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// A model timed by the `runtime` table, as a random-weight runtime model (docs/FORMAT.md names) and as a factory of
/// the TorchSharp model of the same shape (weights do not change the cost of a step).
/// </summary>
sealed record StreamingModel(string Name, string Description, LmuModel Runtime, Func<(Lmu Lmu, nn.Module<Tensor, Tensor> Head)> Torch)
{
    /// <summary>psMNIST parallel LMU (Chilkuri &amp; Eliasmith 2021): 1 input, order 468 (θ = 784), hidden 346 (ReLU over [m; x]), 10 classes.</summary>
    public static StreamingModel PsMnist() => new("psMNIST", "parallel LMU, order 468, θ = 784, hidden 346 (Linear + ReLU over [m; x]), dense 10",
        Build(1, new Layer("parallel_lmu", 1, 468, 784, 346, "linear"), new Layer("dense", 346, 0, 0, 10, "")),
        () => (new Lmu(new LmuOptions(1, 468, 784)
        {
            Hidden = HiddenCell.Linear, HiddenSize = 346, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true,
        }, LmuImplementation.Parallel), nn.Linear(346, 10)));

    /// <summary>Keyword-spotting-sized LMU cell: 40 features, order 64 (θ = 100), LSTM hidden 128 fed back to the memory, 12 classes.</summary>
    public static StreamingModel KeywordSpotting() => new("KWS", "LMU cell, 40 inputs, order 64, θ = 100, LSTM hidden 128 (hidden → memory), dense 12",
        Build(40, new Layer("lmu_cell", 40, 64, 100, 128, "lstm"), new Layer("dense", 128, 0, 0, 12, "")),
        () => (new Lmu(new LmuOptions(40, 64, 100)
        {
            Hidden = HiddenCell.Lstm, HiddenSize = 128, HiddenToMemory = true, InputToHidden = true, UseBias = true,
        }, LmuImplementation.Sequential), nn.Linear(128, 12)));

    /// <summary>The memory alone (one channel, no hidden layer): a step is u = w x + b, then m ← Ā m + B̄ u, 2d² + 2d flops.</summary>
    public static LmuModel MemoryOnly(int order) => Build(1, new Layer("parallel_lmu", 1, order, 784, 0, "none"));

    /// <summary>One layer: its type, input size, order, θ, output size and hidden cell.</summary>
    record Layer(string Type, int Input, int Order, double Theta, int Output, string Hidden);

    static LmuModel Build(int inputs, params Layer[] layers)
    {
        var random = new Random(1);
        float[] R(int n, int fanIn) => Enumerable.Range(0, n).Select(_ => (float)((2 * random.NextDouble() - 1) / Math.Sqrt(fanIn))).ToArray();
        var w = new Dictionary<string, float[]>();
        var m = new Dictionary<string, string> { ["format"] = LmuModel.FormatName, ["format_version"] = S(LmuModel.FormatVersion), ["input_size"] = S(inputs), ["layers"] = S(layers.Length) };
        for (int i = 0; i < layers.Length; i++)
        {
            var (type, input, order, theta, output, hidden) = layers[i];
            string p = $"layers.{i}.";
            m[p + "type"] = type;
            m[p + "input_size"] = S(input);
            if (type == "dense")
            {
                m[p + "output_size"] = S(output); m[p + "activation"] = "identity";
                w[p + "weight"] = R(output * input, input); w[p + "bias"] = R(output, 1);
                continue;
            }
            var system = LegendreStateSpace.Discretize(order, theta);
            w[p + "A_bar"] = system.ABar.Cast<double>().Select(v => (float)v).ToArray();
            w[p + "B_bar"] = system.BBar.Select(v => (float)v).ToArray();
            w[p + "input_encoder.weight"] = R(input, input); w[p + "input_encoder.bias"] = R(1, 1);
            m[p + "memory_size"] = "1"; m[p + "order"] = S(order); m[p + "theta"] = theta.ToString(CultureInfo.InvariantCulture);
            m[p + "discretizer"] = "zoh"; m[p + "hidden_cell"] = hidden;
            if (type == "parallel_lmu") m[p + "input_activation"] = "identity";
            if (hidden == "none") { m[p + "hidden_to_memory"] = "false"; m[p + "memory_to_memory"] = "false"; continue; }
            m[p + "hidden_size"] = S(output); m[p + "input_to_hidden"] = "true";
            if (hidden == "linear")
            {
                m[p + "hidden_activation"] = "relu";
                w[p + "hidden.weight"] = R(output * (order + input), order + input); w[p + "hidden.bias"] = R(output, 1);
                continue;
            }
            // An LSTM cell fed back into the memory (hidden_to_memory), as a keyword-spotting LMU.
            m[p + "hidden_to_memory"] = "true"; m[p + "memory_to_memory"] = "false";
            w[p + "hidden_encoder.weight"] = R(output, output);
            w[p + "hidden.weight_ih"] = R(4 * output * (order + input), order + input); w[p + "hidden.weight_hh"] = R(4 * output * output, output);
            w[p + "hidden.bias_ih"] = R(4 * output, 1); w[p + "hidden.bias_hh"] = R(4 * output, 1);
        }
        m["output_size"] = S(layers[^1].Output == 0 ? layers[^1].Order : layers[^1].Output);
        return LmuModel.FromWeights(w, m);
    }

    static string S(int n) => n.ToString(CultureInfo.InvariantCulture);
}
