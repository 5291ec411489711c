using LmuSharp.Memory;
using LmuSharp.Signals;
using LmuSharp.Spiking;

namespace LmuSharp.Tests;

public class SpikingMemoryTests
{
    static SpikingMemoryOptions Small(int order, int neurons, int seed = 0) => new()
    {
        Order = order, Neurons = neurons, Theta = 0.5, Dt = 0.001, Tau = 0.1, EvalPoints = 500, Seed = seed,
    };

    /// <summary>RMS over points drawn in the ball of radius 0.8 of ‖decoded − x‖.</summary>
    static double StaticError(SpikingLegendreMemory memory)
    {
        var random = new Random(5);
        double sum = 0;
        const int points = 200;
        for (int p = 0; p < points; p++)
        {
            var x = Enumerable.Range(0, memory.Order).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            double norm = Math.Sqrt(x.Sum(v => v * v));
            double radius = 0.8 * random.NextDouble();
            for (int i = 0; i < x.Length; i++) x[i] *= radius / norm;
            var estimate = memory.DecodeRates(x);
            sum += x.Zip(estimate, (a, b) => (a - b) * (a - b)).Sum();
        }
        return Math.Sqrt(sum / points);
    }

    [Fact]
    public void Decoders_reproduce_static_values_and_improve_with_more_neurons()
    {
        double few = StaticError(new SpikingLegendreMemory(Small(3, 100)));
        double many = StaticError(new SpikingLegendreMemory(Small(3, 2000)));
        // Regularised LIF decoders (σ = 0.1): a few percent of the unit radius, smaller with more neurons.
        Assert.InRange(few, 0, 0.1);
        Assert.InRange(many, 0, 0.03);
        Assert.True(many < few, $"static error {many} with 2000 neurons, {few} with 100");
    }

    [Fact]
    public void Neuron_space_and_sample_space_decoders_agree()
    {
        // (ΓᵀΓ + λI)⁻¹ΓᵀX = Γᵀ(ΓΓᵀ + λI)⁻¹X: the two Gram matrices give the same decoders.
        var options = Small(3, 120) with { EvalPoints = 150 };
        var random = new Xoshiro256(3);
        var population = new LifPopulation(options.Neurons, 3, options, ref random);
        var samples = new double[150 * 3];
        for (int p = 0; p < 150; p++) random.InBall(samples.AsSpan(p * 3, 3), uniformRadius: true);
        var neuronSpace = population.SolveDecoders(samples, 150, 0.1, sampleSpace: false);
        var sampleSpace = population.SolveDecoders(samples, 150, 0.1, sampleSpace: true);
        double scale = neuronSpace.Max(Math.Abs);
        for (int i = 0; i < neuronSpace.Length; i++) Assert.Equal(neuronSpace[i], sampleSpace[i], scale * 1e-4);
    }

    /// <summary>NRMSE of the spiking read-out at delay θ against the exact memory's, over the steps after the first window.</summary>
    static double ErrorAgainstExact(SpikingMemoryOptions options)
    {
        var memory = new SpikingLegendreMemory(options);
        double window = options.Theta / options.Dt;
        var exact = new LegendreMemory(options.Order, window);
        int steps = (int)(3 * window);
        var signal = new BandLimitedNoise(steps, 1 / window, new Random(1));
        double error = 0, power = 0;
        for (int t = 0; t < steps; t++)
        {
            memory.Step(signal[t]);
            exact.Step(signal[t]);
            if (t < window) continue;
            double reference = exact.Read(window);
            error += Math.Pow(memory.Read(options.Theta) - reference, 2);
            power += reference * reference;
        }
        return Math.Sqrt(error / power);
    }

    [Fact]
    public void With_more_neurons_the_spiking_memory_converges_to_the_exact_memory()
    {
        double few = ErrorAgainstExact(Small(3, 200));
        double many = ErrorAgainstExact(Small(3, 5000));
        // Spike noise falls as 1/√m: 25× the neurons should cut the error about 5×; at least 2.5× is asserted.
        Assert.True(many < few / 2.5, $"error {many} with 5000 neurons, {few} with 200");
        Assert.InRange(many, 0, 0.3);
    }

    [Fact]
    public void In_rate_mode_the_memory_converges_to_the_exact_memory_when_the_decoders_keep_up_with_the_neurons()
    {
        // No spike noise: the only error left is the static decoding error fed back through the loop. It falls with m
        // only if the sample points grow with m (S = 2m, as Nengo's default) and the regularisation is small; the state
        // stays inside the unit ball (radius 2), where the sample points lie.
        static SpikingMemoryOptions Rate(int neurons) =>
            Small(3, neurons) with { Neuron = SpikingNeuron.LifRate, EvalPoints = 2 * neurons, Regularization = 0.01, Radius = 2 };
        double few = ErrorAgainstExact(Rate(40));
        double many = ErrorAgainstExact(Rate(1200));
        Assert.True(many < few / 3, $"error {many} with 1200 neurons, {few} with 40");
        Assert.InRange(many, 0, 0.1);
    }

    [Fact]
    public void A_rate_mode_step_adds_the_rate_decoded_state_through_the_principle_3_transform()
    {
        // y_{t+1} = a y_t + B̄_x u_t + (Ā_x − aI) x̂(y_t), with x̂ the population's rate estimate (DecodeRates),
        // Ā_x = T Ā T⁻¹, B̄_x = T B̄, T = diag(1/(√(2i+1)·radius)), a = e^(−dt/τ): checked from the public pieces.
        var options = Small(3, 400) with { Neuron = SpikingNeuron.LifRate };
        var memory = new SpikingLegendreMemory(options);
        var aBar = memory.System.ABar;
        var bBar = memory.System.BBar;
        double a = Math.Exp(-options.Dt / options.Tau);
        var scale = Enumerable.Range(0, 3).Select(i => Math.Sqrt(2 * i + 1) * options.Radius).ToArray();
        double[] u = [0.7, -0.4, 1.1];
        foreach (var sample in u)
        {
            var y = memory.Represented.ToArray();
            var decoded = memory.DecodeRates(y);
            var expected = new double[3];
            for (int i = 0; i < 3; i++)
            {
                expected[i] = a * y[i] + bBar[i] / scale[i] * sample;
                for (int j = 0; j < 3; j++) expected[i] += (aBar[i, j] * scale[j] / scale[i] - (i == j ? a : 0)) * decoded[j];
            }
            memory.Step(sample);
            for (int i = 0; i < 3; i++) Assert.Equal(expected[i], memory.Represented[i], 1e-12);
        }
        Assert.Equal(0, memory.SpikeCount);
        Assert.InRange(memory.MeanRate, 1, 40);
    }

    [Fact]
    public void Rate_mode_is_deterministic_and_independent_of_the_spike_generator()
    {
        static double[] Run(SpikingLegendreMemory memory) =>
            Enumerable.Range(0, 300).Select(t => { memory.Step(Math.Sin(t * 0.02)); return memory.Read(0.25); }).ToArray();
        var memory = new SpikingLegendreMemory(Small(3, 300, seed: 7) with { Neuron = SpikingNeuron.LifRate });
        var first = Run(memory);
        Assert.Equal(first, Run(new SpikingLegendreMemory(Small(3, 300, seed: 7) with { Neuron = SpikingNeuron.LifRate })));
        memory.Reset();
        Assert.Equal(first, Run(memory));
        Assert.NotEqual(first, Run(new SpikingLegendreMemory(Small(3, 300, seed: 8) with { Neuron = SpikingNeuron.LifRate })));
    }

    [Fact]
    public void Plain_lif_neurons_implement_the_memory_too()
    {
        double error = ErrorAgainstExact(Small(3, 3000) with { Neuron = SpikingNeuron.Lif });
        Assert.InRange(error, 0, 0.5);
    }

    [Fact]
    public void A_constant_input_is_read_back_a_window_later()
    {
        var memory = new SpikingLegendreMemory(Small(3, 3000));
        for (int t = 0; t < 1500; t++) memory.Step(0.5);
        // Mean over the last 100 steps: the spike noise averages out, the steady state is u.
        double sum = 0;
        for (int t = 0; t < 100; t++) { memory.Step(0.5); sum += memory.Read(memory.Options.Theta); }
        Assert.Equal(0.5, sum / 100, 0.1);
        Assert.InRange(memory.MeanRate, 5, 40);
        // The decoded state approaches the exact steady state m = (u, 0, 0) of the Legendre system for a constant.
        Assert.Equal(0.5, memory.State[0], 0.1);
    }

    [Fact]
    public void The_same_seed_gives_the_same_spikes_and_a_reset_repeats_the_run()
    {
        static double[] Run(SpikingLegendreMemory memory) =>
            Enumerable.Range(0, 300).Select(t => { memory.Step(Math.Sin(t * 0.02)); return memory.Read(0.25); }).ToArray();
        var a = new SpikingLegendreMemory(Small(3, 300, seed: 7));
        var b = new SpikingLegendreMemory(Small(3, 300, seed: 7));
        var c = new SpikingLegendreMemory(Small(3, 300, seed: 8));
        var first = Run(a);
        Assert.Equal(first, Run(b));
        Assert.NotEqual(first, Run(c));
        long spikes = a.SpikeCount;
        a.Reset();
        Assert.Equal(first, Run(a));
        Assert.Equal(spikes, a.SpikeCount);
        var lif = Small(3, 300, seed: 7) with { Neuron = SpikingNeuron.Lif };
        Assert.Equal(Run(new SpikingLegendreMemory(lif)), Run(new SpikingLegendreMemory(lif)));
    }

    public static TheoryData<SpikingMemoryOptions, string> BadOptions => new()
    {
        { Small(6, 5), "Neurons" },
        { Small(3, 100) with { Tau = 0 }, "Tau" },
        { Small(3, 100) with { Tau = -0.1 }, "Tau" },
        { Small(3, 100) with { Tau = double.NaN }, "Tau" },
        { Small(3, 100) with { Theta = double.PositiveInfinity }, "Theta" },
        { Small(3, 100) with { Theta = 0.0001 }, "Theta" },
        { Small(3, 100) with { Dt = 0 }, "Dt" },
        { Small(3, 100) with { Radius = double.NaN }, "Radius" },
        { Small(3, 100) with { MaxRate = 600 }, "MaxRate" },
        { Small(3, 100) with { MinRate = 50 }, "MaxRate" },
        { Small(3, 100) with { EvalPoints = 0 }, "EvalPoints" },
        { Small(3, 100) with { Regularization = -1 }, "Regularization" },
        { Small(0, 100), "Order" },
        { Small(3, 100) with { MaxIntercept = 1 }, "MaxIntercept" },
        { Small(3, 100) with { MinIntercept = double.NaN }, "MinIntercept" },
        { Small(3, 100) with { Neuron = (SpikingNeuron)7 }, "Neuron" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_refused_with_the_parameter_named(SpikingMemoryOptions options, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SpikingLegendreMemory(options));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(parameter, e.Message);
    }

    [Fact]
    public void Non_finite_input_and_out_of_range_reads_are_refused()
    {
        var memory = new SpikingLegendreMemory(Small(3, 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Step(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Step(double.NegativeInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(0.6));
        Assert.Throws<ArgumentException>(() => memory.DecodeRates([0.1, 0.2]));
        Assert.Throws<ArgumentException>(() => memory.DecodeRates([0.1, double.NaN, 0]));
        Assert.Equal(0, memory.Steps); // nothing was stepped by the refused calls
    }
}

public class LifNeuronTests
{
    [Theory]
    [InlineData(1.2)]
    [InlineData(2.0)]
    [InlineData(5.0)]
    [InlineData(20.0)]
    public void The_spiking_lif_rate_matches_the_rate_curve(double current)
    {
        const double dt = 0.001, tauRc = 0.02, tauRef = 0.002;
        double expected = 1 / (tauRef + tauRc * Math.Log(1 + 1 / (current - 1)));
        double voltage = 0, refractory = 0;
        int spikes = 0;
        const int steps = 100_000; // 100 s
        for (int t = 0; t < steps; t++)
            if (SpikingLegendreMemory.LifStep(current, ref voltage, ref refractory, dt, tauRc, tauRef, Math.Exp(-dt / tauRc))) spikes++;
        Assert.Equal(expected, spikes / (steps * dt), expected * 0.005 + 0.02);
    }
}
