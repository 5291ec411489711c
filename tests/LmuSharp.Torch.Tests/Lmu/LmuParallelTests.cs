using TorchSharp;
using LmuSharp.Memory;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Every parallel mode against the plain recurrence on the same weights.</summary>
public class LmuParallelTests
{
    public static TheoryData<ParallelMode, bool, ScalarType, Discretizer, int> Modes()
    {
        var data = new TheoryData<ParallelMode, bool, ScalarType, Discretizer, int>();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            foreach (var d in new[] { Discretizer.Zoh, Discretizer.Bilinear })
            {
                data.Add(ParallelMode.Final, false, dtype, d, 37);
                data.Add(ParallelMode.Fft, true, dtype, d, 37);
                data.Add(ParallelMode.Fft, false, dtype, d, 37);
                data.Add(ParallelMode.Raw, true, dtype, d, 37);
                data.Add(ParallelMode.Chunked, true, dtype, d, 37);
            }
            data.Add(ParallelMode.Final, false, dtype, Discretizer.Euler, 2000);
            data.Add(ParallelMode.Fft, true, dtype, Discretizer.Zoh, 2000);
            data.Add(ParallelMode.Raw, true, dtype, Discretizer.Zoh, 2000);
            data.Add(ParallelMode.Chunked, true, dtype, Discretizer.Zoh, 2000);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Mode_equals_recurrence(ParallelMode mode, bool returnSequences, ScalarType dtype, Discretizer discretizer, int time)
    {
        manual_seed(1);
        var options = ParallelOptions(returnSequences, discretizer: discretizer);
        if (discretizer == Discretizer.Euler) options = options with { Theta = 60 }; // Euler is stable for θ > 4·order
        using var layer = new LmuParallel(options, mode) { ChunkLength = 16 };
        layer.to(dtype).eval();
        using var seq = SequentialCopy(layer, options, dtype);
        using var x = Randn(dtype, 4, time, 3);
        var (y, s) = layer.forward(x, null);
        var (yRef, sRef) = seq.forward(x, null);
        double tol = Tolerance(dtype);
        Assert.InRange(MaxAbs(y, yRef), 0, tol);
        Assert.InRange(MaxAbs(s.Memory, sRef.Memory), 0, tol * 10); // the memory is unnormalised (|m| up to ~10)
        Assert.InRange(MaxAbs(s.Hidden!, sRef.Hidden!), 0, tol);
    }

    [Theory]
    [InlineData(ParallelMode.Final, false, 2)]
    [InlineData(ParallelMode.Final, false, 3)]
    [InlineData(ParallelMode.Fft, true, 2)]
    [InlineData(ParallelMode.Raw, true, 2)]
    [InlineData(ParallelMode.Chunked, true, 2)]
    [InlineData(ParallelMode.Fft, false, 2)]
    public void Lengths_initial_state_and_go_backwards_equal_recurrence(ParallelMode mode, bool returnSequences, int memoryD)
    {
        manual_seed(2);
        var options = ParallelOptions(returnSequences, memoryD) with { GoBackwards = true };
        using var layer = new LmuParallel(options, mode) { ChunkLength = 8 };
        layer.to(ScalarType.Float64).eval();
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        using var x = Randn(ScalarType.Float64, 3, 29, 3);
        using var lengths = tensor(new long[] { 29, 1, 17 });
        var initial = new LmuState(Randn(ScalarType.Float64, 3, memoryD, 12), Randn(ScalarType.Float64, 3, 5));
        var (y, s) = layer.forward(x, initial, lengths);
        var (yRef, sRef) = seq.forward(x, initial, lengths);
        Assert.InRange(MaxAbs(y, yRef), 0, 1e-10);
        Assert.InRange(MaxAbs(s.Memory, sRef.Memory), 0, 1e-9);
    }

    [Fact]
    public void Memory_matches_an_independent_double_recurrence()
    {
        // u = x (W_x = 1, no bias, memoryD 1); m_t = Ā m_{t−1} + B̄ u_t computed with plain loops from the core Ā, B̄.
        var options = new LmuOptions(1, 8, 20) { ReturnSequences = true };
        using var layer = new LmuParallel(options, ParallelMode.Fft);
        layer.to(ScalarType.Float64);
        using (no_grad()) layer.Cell.state_dict()["input_encoder.weight"].fill_(1.0);
        var rng = new Random(3);
        var u = Enumerable.Range(0, 50).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        using var x = tensor(u, [1, 50, 1], ScalarType.Float64);
        var (y, _) = layer.forward(x, null);
        var system = LegendreStateSpace.Discretize(8, 20, Discretizer.Zoh);
        var (a, b) = (system.ABar, system.BBar);
        var m = new double[8];
        var yData = y.data<double>().ToArray();
        for (int t = 0; t < 50; t++)
        {
            var next = new double[8];
            for (int i = 0; i < 8; i++)
            {
                next[i] = b[i] * u[t];
                for (int j = 0; j < 8; j++) next[i] += a[i, j] * m[j];
            }
            m = next;
            for (int i = 0; i < 8; i++) Assert.Equal(m[i], yData[t * 8 + i], 1e-12);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Step_repeated_equals_forward(bool returnSequences)
    {
        manual_seed(4);
        var options = ParallelOptions(returnSequences);
        using var layer = new LmuParallel(options);
        layer.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 40, 3);
        var (y, s) = layer.forward(x, null);
        LmuState? state = null;
        var outputs = new List<Tensor>();
        for (int t = 0; t < 40; t++)
        {
            var (o, next) = layer.step(x.select(1, t), state);
            outputs.Add(o);
            state = next;
        }
        var stepped = returnSequences ? stack(outputs, 1) : outputs[^1];
        Assert.InRange(MaxAbs(y, stepped), 0, 1e-10);
        Assert.InRange(MaxAbs(s.Memory, state!.Memory), 0, 1e-10);
    }

    [Fact]
    public void Forward_carries_a_stream_across_calls()
    {
        manual_seed(5);
        var options = ParallelOptions(true);
        using var layer = new LmuParallel(options);
        layer.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 60, 3);
        var (whole, _) = layer.forward(x, null);
        var (first, state) = layer.forward(x[.., ..25], null);
        var (second, _) = layer.forward(x[.., 25..], state);
        Assert.InRange(MaxAbs(whole, cat([first, second], 1)), 0, 1e-10);
    }

    [Theory]
    [InlineData(ParallelMode.Fft, true)]
    [InlineData(ParallelMode.Final, false)]
    [InlineData(ParallelMode.Raw, true)]
    public void One_layer_serves_any_length_in_any_order(ParallelMode mode, bool returnSequences)
    {
        manual_seed(6);
        var options = ParallelOptions(returnSequences);
        using var layer = new LmuParallel(options, mode);
        layer.to(ScalarType.Float64).eval();
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        foreach (int time in new[] { 5, 40, 17, 41, 100 })
        {
            using var x = Randn(ScalarType.Float64, 2, time, 3);
            Assert.InRange(MaxAbs(layer.forward(x, null).Output, seq.forward(x, null).Output), 0, 1e-10);
        }
    }
}
