using System.Globalization;
using LmuSharp.Memory;

namespace LmuSharp.Torch;

/// <summary>
/// Everything that defines an LMU layer's architecture (docs/MATH.md §2): the Legendre memory, the memory input,
/// the hidden cell and the flags. Two layers built from equal options have parameters of the same names and shapes.
/// <see cref="ToNameValues"/> and <see cref="FromNameValues"/> give a flat, ordered, culture-invariant form
/// for checkpoint and export metadata.
/// </summary>
public sealed record LmuOptions
{
    /// <summary>Options for an LMU with no hidden cell and defaults elsewhere (set the rest with object initialisers or <c>with</c>).</summary>
    /// <param name="inputSize">The number of input features per time step.</param>
    /// <param name="order">The order d of the Legendre memory.</param>
    /// <param name="theta">The window length θ in steps.</param>
    public LmuOptions(int inputSize, int order, double theta)
    {
        InputSize = inputSize;
        Order = order;
        Theta = theta;
    }

    /// <summary>The number of input features per time step.</summary>
    public int InputSize { get; init; }

    /// <summary>The order d of the Legendre memory (coefficients per memory channel).</summary>
    public int Order { get; init; }

    /// <summary>The window length θ in steps; the initial value when <see cref="TrainableTheta"/>.</summary>
    public double Theta { get; init; }

    /// <summary>The number of memory channels (memory_d): u_t ∈ ℝ^memoryD, M_t ∈ ℝ^{memoryD×order}.</summary>
    public int MemoryD { get; init; } = 1;

    /// <summary>How θ·ṁ = A m + B u is discretised.</summary>
    public Discretizer Discretizer { get; init; } = Discretizer.Zoh;

    /// <summary>The hidden cell that reads the memory.</summary>
    public HiddenCell Hidden { get; init; } = HiddenCell.None;

    /// <summary>The hidden cell's output size (0 when <see cref="Hidden"/> is <see cref="HiddenCell.None"/>).</summary>
    public int HiddenSize { get; init; }

    /// <summary>The activation of a <see cref="HiddenCell.Linear"/> hidden cell, or of a <see cref="HiddenCell.Rnn"/> (tanh or ReLU).</summary>
    public Activation HiddenActivation { get; init; } = Activation.Tanh;

    /// <summary>Feed h_{t−1} into the memory input u_t (forces the sequential implementation).</summary>
    public bool HiddenToMemory { get; init; }

    /// <summary>Feed vec(M_{t−1}) into the memory input u_t (forces the sequential implementation).</summary>
    public bool MemoryToMemory { get; init; }

    /// <summary>Give the hidden cell x_t as well as vec(M_t).</summary>
    public bool InputToHidden { get; init; }

    /// <summary>Add a bias to the memory input u_t.</summary>
    public bool UseBias { get; init; }

    /// <summary>Learn θ (parameterised as θ⁻¹); Ā, B̄ and H are then recomputed differentiably on each forward pass.</summary>
    public bool TrainableTheta { get; init; }

    /// <summary>Learn the continuous A and B themselves (2019 paper, some experiments).</summary>
    public bool TrainableAB { get; init; }

    /// <summary>Dropout rate on the memory input x_t (one mask per sequence).</summary>
    public double Dropout { get; init; }

    /// <summary>Dropout rate on the memory feedback h_{t−1} and vec(M_{t−1}) (one mask per sequence).</summary>
    public double RecurrentDropout { get; init; }

    /// <summary>Return the output at every step ([batch, time, features]) instead of the last one ([batch, features]).</summary>
    public bool ReturnSequences { get; init; }

    /// <summary>Process each sequence (its valid part, with lengths) from the end to the start.</summary>
    public bool GoBackwards { get; init; }

    /// <summary>The size of vec(M_t): <see cref="MemoryD"/> · <see cref="Order"/>.</summary>
    public int MemorySize => MemoryD * Order;

    /// <summary>The features per step of the layer's output: <see cref="HiddenSize"/>, or <see cref="MemorySize"/> without a hidden cell.</summary>
    public int OutputSize => Hidden == HiddenCell.None ? MemorySize : HiddenSize;

    /// <summary>The hidden cell's input size: vec(M_t), plus x_t when <see cref="InputToHidden"/>.</summary>
    public int HiddenInputSize => MemorySize + (InputToHidden ? InputSize : 0);

    /// <summary>True when nothing feeds back into the memory, so that it can be computed for all steps at once.</summary>
    public bool MemoryIsFeedForward => !HiddenToMemory && !MemoryToMemory;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first inconsistent option (an unstable Euler discretisation included).</summary>
    public LmuOptions Validate()
    {
        CheckFields();
        if (Discretizer == Discretizer.Euler) Discretize(); // zoh and bilinear map a stable A to a stable Ā
        return this;
    }

    /// <summary>
    /// Validates the options and discretises the memory in double precision: Ā, B̄ and the impulse response of a fixed θ,
    /// A, B (<see cref="LegendreStateSpace.Discretize"/>). A layer calls this once.
    /// </summary>
    /// <exception cref="ArgumentException">An inconsistent option, or an unstable Euler discretisation.</exception>
    public DiscreteLegendreSystem Discretize()
    {
        CheckFields();
        return LegendreStateSpace.Discretize(Order, Theta, Discretizer);
    }

    void CheckFields()
    {
        Require(InputSize >= 1, "inputSize", $"must be ≥ 1, got {InputSize}");
        Require(Order >= 1, "order", $"must be ≥ 1, got {Order}");
        Require(double.IsFinite(Theta) && Theta > 0, "theta", $"must be finite and > 0, got {Theta}");
        Require(MemoryD >= 1, "memoryD", $"must be ≥ 1, got {MemoryD}");
        Require(Enum.IsDefined(Discretizer), "discretizer", $"must be one of zoh, euler, bilinear, got {(int)Discretizer}");
        Require(Enum.IsDefined(Hidden), "hidden", $"must be a defined HiddenCell, got {(int)Hidden}");
        Require(Enum.IsDefined(HiddenActivation), "hiddenActivation", $"must be a defined Activation, got {(int)HiddenActivation}");
        if (Hidden == HiddenCell.None)
        {
            Require(HiddenSize == 0, "hiddenSize", $"must be 0 without a hidden cell, got {HiddenSize}");
            Require(!HiddenToMemory, "hiddenToMemory", "needs a hidden cell (hidden is None)");
            Require(!InputToHidden, "inputToHidden", "needs a hidden cell (hidden is None)");
        }
        else Require(HiddenSize >= 1, "hiddenSize", $"must be ≥ 1 with a {Hidden} hidden cell, got {HiddenSize}");
        Require(Hidden != HiddenCell.Rnn || HiddenActivation is Activation.Tanh or Activation.Relu,
            "hiddenActivation", $"an Rnn hidden cell takes Tanh or Relu, got {HiddenActivation}");
        Require(Dropout >= 0 && Dropout < 1, "dropout", $"must lie in [0, 1), got {Dropout}");
        Require(RecurrentDropout >= 0 && RecurrentDropout < 1, "recurrentDropout", $"must lie in [0, 1), got {RecurrentDropout}");
        Require(RecurrentDropout == 0 || !MemoryIsFeedForward, "recurrentDropout", "acts on the memory feedback: needs hiddenToMemory or memoryToMemory");
    }

    static void Require(bool condition, string parameter, string message)
    {
        if (!condition) throw new ArgumentException($"{parameter} {message}.", parameter);
    }

    /// <summary>The options as ordered (snake_case name, invariant string) pairs, e.g. ("order", "468").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToNameValues() =>
    [
        new("input_size", S(InputSize)), new("order", S(Order)), new("theta", Theta.ToString("R", CultureInfo.InvariantCulture)),
        new("memory_d", S(MemoryD)), new("discretizer", Discretizer.ToName()),
        new("hidden", Hidden.ToString().ToLowerInvariant()), new("hidden_size", S(HiddenSize)),
        new("hidden_activation", HiddenActivation.ToName()),
        new("hidden_to_memory", B(HiddenToMemory)), new("memory_to_memory", B(MemoryToMemory)),
        new("input_to_hidden", B(InputToHidden)), new("use_bias", B(UseBias)),
        new("trainable_theta", B(TrainableTheta)), new("trainable_ab", B(TrainableAB)),
        new("dropout", Dropout.ToString("R", CultureInfo.InvariantCulture)),
        new("recurrent_dropout", RecurrentDropout.ToString("R", CultureInfo.InvariantCulture)),
        new("return_sequences", B(ReturnSequences)), new("go_backwards", B(GoBackwards)),
    ];

    /// <summary>Rebuilds options from <see cref="ToNameValues"/> output (names missing from <paramref name="values"/> keep their defaults).</summary>
    /// <param name="values">Pairs as written by <see cref="ToNameValues"/>.</param>
    /// <exception cref="ArgumentException">A name is unknown or a value does not parse.</exception>
    public static LmuOptions FromNameValues(IEnumerable<KeyValuePair<string, string>> values)
    {
        var map = values.ToDictionary(p => p.Key, p => p.Value);
        string Get(string name) => map.TryGetValue(name, out var v) ? v : throw new ArgumentException($"missing '{name}'.", nameof(values));
        var o = new LmuOptions(I(Get("input_size")), I(Get("order")), D(Get("theta")));
        foreach (var (name, v) in map)
        {
            o = name switch
            {
                "input_size" or "order" or "theta" => o,
                "memory_d" => o with { MemoryD = I(v) },
                "discretizer" => o with { Discretizer = DiscretizerNames.Parse(v) },
                "hidden" => o with { Hidden = Enum.Parse<HiddenCell>(v, ignoreCase: true) },
                "hidden_size" => o with { HiddenSize = I(v) },
                "hidden_activation" => o with { HiddenActivation = ActivationNames.Parse(v) },
                "hidden_to_memory" => o with { HiddenToMemory = bool.Parse(v) },
                "memory_to_memory" => o with { MemoryToMemory = bool.Parse(v) },
                "input_to_hidden" => o with { InputToHidden = bool.Parse(v) },
                "use_bias" => o with { UseBias = bool.Parse(v) },
                "trainable_theta" => o with { TrainableTheta = bool.Parse(v) },
                "trainable_ab" => o with { TrainableAB = bool.Parse(v) },
                "dropout" => o with { Dropout = D(v) },
                "recurrent_dropout" => o with { RecurrentDropout = D(v) },
                "return_sequences" => o with { ReturnSequences = bool.Parse(v) },
                "go_backwards" => o with { GoBackwards = bool.Parse(v) },
                _ => throw new ArgumentException($"unknown LMU option '{name}'.", nameof(values)),
            };
        }
        return o;
    }

    static string S(int v) => v.ToString(CultureInfo.InvariantCulture);
    static string B(bool v) => v ? "true" : "false";
    static int I(string v) => int.Parse(v, CultureInfo.InvariantCulture);
    static double D(string v) => double.Parse(v, CultureInfo.InvariantCulture);
}
