using System.Globalization;
using LmuSharp.Memory;
using LmuSharp.Serialization;

namespace LmuSharp.Tests;

/// <summary>Random-weight models in the docs/FORMAT.md layout, as flat float arrays plus metadata.</summary>
sealed class RuntimeModelBuilder
{
    readonly Random _random;
    int _size, _layers;

    public Dictionary<string, float[]> Weights { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long[]> Shapes { get; } = new(StringComparer.Ordinal);

    /// <summary>The model as a safetensors file, every tensor with its documented shape.</summary>
    public SafeTensorsFile ToFile() =>
        new(Weights.ToDictionary(w => w.Key, w => SafeTensor.FromSingles(w.Value, Shapes[w.Key])), Metadata);

    public RuntimeModelBuilder(int inputSize, int seed)
    {
        _random = new Random(seed);
        _size = inputSize;
        Metadata["format"] = "lmusharp";
        Metadata["format_version"] = "2";
        Metadata["input_size"] = Text(inputSize);
    }

    public int InputSize => int.Parse(Metadata["input_size"], CultureInfo.InvariantCulture);

    static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
    string P => $"layers.{_layers}.";

    void Meta(string key, string value) => Metadata[P + key] = value;

    /// <summary>PyTorch-like initialisation: uniform in ±scale/√fan_in.</summary>
    void Tensor(string name, int rows, int columns, double scale = 1)
    {
        double bound = scale / Math.Sqrt(Math.Max(columns, 1));
        Weights[P + name] = Enumerable.Range(0, rows * columns).Select(_ => (float)((2 * _random.NextDouble() - 1) * bound)).ToArray();
        Shapes[P + name] = [rows, columns];
    }

    void Bias(string name, int size)
    {
        Tensor(name, size, 1, 0.5);
        Shapes[P + name] = [size];
    }

    void Memory(int order, double theta, Discretizer discretizer)
    {
        var system = LegendreStateSpace.Discretize(order, theta, discretizer);
        Weights[P + "A_bar"] = system.ABar.Cast<double>().Select(v => (float)v).ToArray();
        Weights[P + "B_bar"] = system.BBar.Select(v => (float)v).ToArray();
        Shapes[P + "A_bar"] = [order, order];
        Shapes[P + "B_bar"] = [order];
        Meta("order", Text(order));
        Meta("theta", theta.ToString("R", CultureInfo.InvariantCulture));
        Meta("discretizer", discretizer.ToName());
    }

    RuntimeModelBuilder Next(int outputSize)
    {
        _size = outputSize;
        _layers++;
        return this;
    }

    public RuntimeModelBuilder Dense(int outputs, string activation)
    {
        Meta("type", "dense"); Meta("input_size", Text(_size)); Meta("output_size", Text(outputs)); Meta("activation", activation);
        Tensor("weight", outputs, _size); Bias("bias", outputs);
        return Next(outputs);
    }

    public RuntimeModelBuilder ParallelLmu(int channels, int order, double theta, int outputs, string inputActivation = "identity",
        string outputActivation = "relu", bool includeInput = true, Discretizer discretizer = Discretizer.Zoh)
    {
        Meta("type", "parallel_lmu"); Meta("input_size", Text(_size)); Meta("memory_d", Text(channels));
        Memory(order, theta, discretizer);
        Meta("input_activation", inputActivation);
        Tensor("input_encoder.weight", channels, _size); Bias("input_encoder.bias", channels);
        if (outputs == 0) { Meta("hidden_cell", "none"); return Next(channels * order); }
        Meta("hidden_cell", "linear"); Meta("hidden_size", Text(outputs)); Meta("hidden_activation", outputActivation);
        Meta("input_to_hidden", includeInput ? "true" : "false");
        Tensor("hidden.weight", outputs, channels * order + (includeInput ? _size : 0)); Bias("hidden.bias", outputs);
        return Next(outputs);
    }

    public RuntimeModelBuilder LmuCell(int channels, int order, double theta, string hiddenCell, int hidden, string activation = "tanh",
        bool hiddenToMemory = true, bool memoryToMemory = true, bool inputToHidden = true, Discretizer discretizer = Discretizer.Zoh)
    {
        Meta("type", "lmu_cell"); Meta("input_size", Text(_size)); Meta("memory_d", Text(channels));
        Memory(order, theta, discretizer);
        Meta("hidden_cell", hiddenCell);
        Meta("hidden_to_memory", hiddenToMemory ? "true" : "false");
        Meta("memory_to_memory", memoryToMemory ? "true" : "false");
        Meta("input_to_hidden", inputToHidden ? "true" : "false");
        Tensor("input_encoder.weight", channels, _size); Bias("input_encoder.bias", channels);
        if (hiddenToMemory) Tensor("hidden_encoder.weight", channels, hidden, 0.5);
        if (memoryToMemory) Tensor("memory_encoder.weight", channels, channels * order, 0.5);
        if (hiddenCell == "none") return Next(channels * order);
        Meta("hidden_size", Text(hidden));
        int z = channels * order + (inputToHidden ? _size : 0);
        switch (hiddenCell)
        {
            case "linear":
                Meta("hidden_activation", activation);
                Tensor("hidden.weight", hidden, z); Bias("hidden.bias", hidden);
                break;
            default:
                int gates = hiddenCell switch { "lstm" => 4, "gru" => 3, _ => 1 };
                if (hiddenCell == "rnn") Meta("hidden_activation", activation);
                Tensor("hidden.weight_ih", gates * hidden, z); Tensor("hidden.weight_hh", gates * hidden, hidden);
                Bias("hidden.bias_ih", gates * hidden); Bias("hidden.bias_hh", gates * hidden);
                break;
        }
        return Next(hidden);
    }

    public RuntimeModelBuilder Gilr(int hidden)
    {
        Meta("type", "gilr"); Meta("input_size", Text(_size)); Meta("hidden_size", Text(hidden));
        Tensor("gate.weight", hidden, _size); Bias("gate.bias", hidden);
        Tensor("candidate.weight", hidden, _size); Bias("candidate.bias", hidden);
        return Next(hidden);
    }

    public RuntimeModelBuilder GilrLstm(int hidden)
    {
        Meta("type", "gilr_lstm"); Meta("input_size", Text(_size)); Meta("hidden_size", Text(hidden));
        Tensor("gilr.gate.weight", hidden, _size); Bias("gilr.gate.bias", hidden);
        Tensor("gilr.candidate.weight", hidden, _size); Bias("gilr.candidate.bias", hidden);
        Tensor("gates.weight_h", 4 * hidden, hidden); Tensor("gates.weight_x", 4 * hidden, _size); Bias("gates.bias", 4 * hidden);
        return Next(hidden);
    }

    public RuntimeModelBuilder Sru(int hidden)
    {
        Meta("type", "sru"); Meta("input_size", Text(_size)); Meta("hidden_size", Text(hidden));
        Tensor("gates.weight", 3 * hidden, _size); Bias("gates.bias", 3 * hidden);
        if (_size != hidden) Tensor("skip.weight", hidden, _size);
        return Next(hidden);
    }

    public RuntimeModelBuilder Qrnn(int hidden, int window)
    {
        Meta("type", "qrnn"); Meta("input_size", Text(_size)); Meta("hidden_size", Text(hidden)); Meta("window", Text(window));
        Tensor("gates.weight", 3 * hidden, window * _size); Bias("gates.bias", 3 * hidden);
        return Next(hidden);
    }

    public RuntimeModelBuilder Done()
    {
        Metadata["layers"] = Text(_layers);
        Metadata["output_size"] = Text(_size);
        return this;
    }
}
