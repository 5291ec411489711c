using FsCheck;
using FsCheck.Xunit;
using FsCheck.Fluent;
using LmuSharp.Memory;
using LmuSharp.Signals;

namespace LmuSharp.Tests;

public class MemoryTests
{
    /// <summary>
    /// NRMSE of Read(θ') against the band-limited signal itself. Under zero-order hold the sample u_s
    /// occupies the interval (s − 1, s], so after step t the reading at delay θ' estimates the signal
    /// at time t − θ' + ½ (the held input smoothed). Bandwidth: 5 cycles per window.
    /// </summary>
    static double[] ReadoutNrmse(int order, int theta, double[] delays, double cyclesPerWindow = 5)
    {
        int length = (int)(2.5 * theta);
        var signal = new BandLimitedNoise(length, cyclesPerWindow / theta, new Random(7));
        var u = signal.Sample(length);
        var memory = new LegendreMemory(order, theta);
        var squaredError = new double[delays.Length];
        var squaredTarget = new double[delays.Length];
        for (int t = 0; t < length; t++)
        {
            memory.Step(u[t]);
            if (t < theta) continue; // the window is full from here on
            for (int k = 0; k < delays.Length; k++)
            {
                double target = signal[t - delays[k] + 0.5];
                double error = memory.Read(delays[k]) - target;
                squaredError[k] += error * error;
                squaredTarget[k] += target * target;
            }
        }
        return squaredError.Select((e, k) => Math.Sqrt(e / squaredTarget[k])).ToArray();
    }

    [Fact]
    public void Order_64_recalls_band_limited_noise_across_its_window()
    {
        // Measured (seed 7, θ = 1000): θ' = 0: 0.007, θ/4: 3e-5, θ/2: 1e-4, θ: 0.067 (the window's far
        // edge is the hardest point of a Legendre reconstruction). Bounds leave room for other seeds.
        var nrmse = ReadoutNrmse(64, 1000, [0, 250, 500, 1000]);
        Assert.True(nrmse[0] < 0.02, $"θ' = 0: NRMSE {nrmse[0]:F4}");
        Assert.True(nrmse[1] < 1e-3, $"θ' = θ/4: NRMSE {nrmse[1]:F5}");
        Assert.True(nrmse[2] < 1e-3, $"θ' = θ/2: NRMSE {nrmse[2]:F5}");
        Assert.True(nrmse[3] < 0.1, $"θ' = θ: NRMSE {nrmse[3]:F4}");
    }

    [Fact]
    public void Recall_error_falls_as_the_order_rises()
    {
        var errors = new[] { 16, 32, 64, 128 }.Select(d => ReadoutNrmse(d, 1000, [1000])[0]).ToArray();
        for (int i = 1; i < errors.Length; i++)
            Assert.True(errors[i] < errors[i - 1], $"NRMSE by order 16, 32, 64, 128: {string.Join(", ", errors.Select(e => e.ToString("F4")))}");
    }

    [Property(MaxTest = 60)]
    public Property Streaming_memory_equals_convolution_with_the_impulse_response() =>
        Prop.ForAll(
            (from order in Gen.Choose(1, 24)
             from theta in Gen.Choose(1, 400)
             from length in Gen.Choose(1, 150)
             from method in Gen.Choose(0, 2)
             select (order, theta, length, method)).ToArbitrary(),
            c =>
            {
                var (order, theta, length, method) = c;
                var random = new Random(order * 7919 + theta * 31 + length);
                var u = Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();
                var memory = Create(order, theta, (Discretizer)method);
                foreach (var x in u) memory.Step(x);
                // m_T = Σ_{k=0}^{T−1} H_k u_{T−k}  (u indexed from 1)
                var h = memory.System.ImpulseResponse(length);
                for (int i = 0; i < order; i++)
                {
                    double expected = 0, scale = 0;
                    for (int k = 0; k < length; k++)
                    {
                        expected += h[k, i] * u[length - 1 - k];
                        scale += Math.Abs(h[k, i] * u[length - 1 - k]);
                    }
                    if (Math.Abs(memory.State[i] - expected) > 1e-13 * Math.Max(scale, 1e-300) + 1e-300) return false;
                }
                return true;
            });

    /// <summary>The memory, falling back to ZOH where Euler is (rightly) refused as unstable.</summary>
    static LegendreMemory Create(int order, double theta, Discretizer discretizer)
    {
        try { return new LegendreMemory(order, theta, discretizer); }
        catch (ArgumentException) when (discretizer == Discretizer.Euler) { return new LegendreMemory(order, theta); }
    }

    [Fact]
    public void Bank_channels_are_independent_memories()
    {
        var bank = new LegendreMemoryBank(3, 8, 50);
        var singles = Enumerable.Range(0, 3).Select(_ => new LegendreMemory(8, 50)).ToArray();
        var random = new Random(3);
        var u = new double[3];
        var read = new double[3];
        for (int t = 0; t < 200; t++)
        {
            for (int c = 0; c < 3; c++) { u[c] = random.NextDouble(); singles[c].Step(u[c]); }
            bank.Step(u);
        }
        bank.Read(20, read);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(singles[c].State.ToArray(), bank.State.Slice(c * 8, 8).ToArray());
            Assert.Equal(singles[c].Read(20), read[c]);
        }
        bank.Reset();
        Assert.All(bank.State.ToArray(), x => Assert.Equal(0, x));
    }

    [Theory]
    [InlineData(-0.5)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Read_outside_the_window_is_refused(double delay)
    {
        var memory = new LegendreMemory(4, 100);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(delay));
        Assert.Equal("delay", e.ParamName);
        Assert.Contains("[0, θ] = [0, 100]", e.Message);
    }

    [Fact]
    public void Bank_refuses_inputs_of_the_wrong_length()
    {
        var bank = new LegendreMemoryBank(3, 4, 10);
        var e = Assert.Throws<ArgumentException>(() => bank.Step(new double[2]));
        Assert.Equal("u", e.ParamName);
        Assert.Contains("length 3", e.Message);
    }
}
