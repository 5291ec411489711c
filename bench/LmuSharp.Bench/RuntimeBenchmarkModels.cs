using System.Globalization;
using LmuSharp.Memory;
using LmuSharp.Runtime;

namespace LmuSharp.Bench;

/// <summary>Random-weight runtime models of the sizes benchmarked (weights do not change the cost).</summary>
static class RuntimeBenchmarkModels
{
    /// <summary>psMNIST parallel LMU (Chilkuri &amp; Eliasmith 2021): 1 input, memory order 468 (θ = 784), hidden 346 (relu over [m; x]), 10 classes.</summary>
    public static LmuModel PsMnist() => Build(1, ("parallel_lmu", 1, 468, 784.0, 346, "relu"), ("dense", 346, 0, 0, 10, "identity"));

    /// <summary>Keyword-spotting-sized LMU cell: 40 features, order 64 (θ = 100), LSTM hidden 128, 12 classes.</summary>
    public static LmuModel KeywordSpotting() => Build(40, ("lmu_cell", 40, 64, 100.0, 128, "lstm"), ("dense", 128, 0, 0, 12, "identity"));

    static LmuModel Build(int inputs, params (string Type, int In, int Order, double Theta, int Out, string Kind)[] layers)
    {
        var random = new Random(1);
        var w = new Dictionary<string, float[]>();
        var m = new Dictionary<string, string> { ["format"] = "lmusharp", ["format_version"] = "1", ["input_size"] = S(inputs), ["layers"] = S(layers.Length) };
        float[] R(int n, int fanIn) => Enumerable.Range(0, n).Select(_ => (float)((2 * random.NextDouble() - 1) / Math.Sqrt(fanIn))).ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            var (type, input, order, theta, output, kind) = layers[i];
            string p = $"layers.{i}.";
            m[p + "type"] = type;
            m[p + "input_size"] = S(input);
            if (type == "dense")
            {
                m[p + "output_size"] = S(output); m[p + "activation"] = kind;
                w[p + "weight"] = R(output * input, input); w[p + "bias"] = R(output, 1);
                continue;
            }
            var system = LegendreStateSpace.Discretize(order, theta);
            w[p + "A_bar"] = system.ABar.Cast<double>().Select(v => (float)v).ToArray();
            w[p + "B_bar"] = system.BBar.Select(v => (float)v).ToArray();
            m[p + "memory_size"] = "1"; m[p + "order"] = S(order); m[p + "theta"] = theta.ToString(CultureInfo.InvariantCulture); m[p + "discretizer"] = "zoh";
            if (type == "parallel_lmu")
            {
                m[p + "input_activation"] = "identity"; m[p + "hidden_cell"] = "linear"; m[p + "hidden_size"] = S(output);
                m[p + "hidden_activation"] = kind; m[p + "input_to_hidden"] = "true";
                w[p + "input_encoder.weight"] = R(input, input); w[p + "input_encoder.bias"] = R(1, 1);
                w[p + "hidden.weight"] = R(output * (order + input), order + input); w[p + "hidden.bias"] = R(output, 1);
            }
            else
            {
                m[p + "hidden_cell"] = kind; m[p + "hidden_size"] = S(output);
                m[p + "hidden_to_memory"] = "true"; m[p + "memory_to_memory"] = "false"; m[p + "input_to_hidden"] = "true";
                w[p + "input_encoder.weight"] = R(input, input); w[p + "input_encoder.bias"] = R(1, 1); w[p + "hidden_encoder.weight"] = R(output, output);
                w[p + "hidden.weight_ih"] = R(4 * output * (order + input), order + input); w[p + "hidden.weight_hh"] = R(4 * output * output, output);
                w[p + "hidden.bias_ih"] = R(4 * output, 1); w[p + "hidden.bias_hh"] = R(4 * output, 1);
            }
        }
        m["output_size"] = S(layers[^1].Out);
        return LmuModel.FromWeights(w, m);
    }

    static string S(int n) => n.ToString(CultureInfo.InvariantCulture);
}
