using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>The layer beyond mode equivalence (<see cref="LmuModeEquivalenceTests"/>): independent math, streams across calls, caches, channels, the bidirectional wrapper.</summary>
public class LmuLayerTests
{
    static LmuOptions Recurrent(HiddenCell hidden, bool hiddenToMemory, bool memoryToMemory, bool returnSequences) =>
        new(3, 6, 9)
        {
            MemoryD = 2,
            Hidden = hidden,
            HiddenSize = hidden == HiddenCell.None ? 0 : 4,
            HiddenToMemory = hiddenToMemory,
            MemoryToMemory = memoryToMemory,
            InputToHidden = hidden != HiddenCell.None,
            UseBias = true,
            ReturnSequences = returnSequences,
        };

    [Fact]
    public void Memory_matches_an_independent_double_recurrence()
    {
        // u = x (W_x = 1, no bias, memoryD 1); m_t = Ā m_{t−1} + B̄ u_t computed with plain loops from the core Ā, B̄.
        var options = new LmuOptions(1, 8, 20) { ReturnSequences = true };
        using var layer = new Lmu(options, LmuMode.Fft);
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

    [Fact]
    public void Forward_carries_a_stream_across_calls()
    {
        manual_seed(5);
        var options = ParallelOptions(true);
        using var layer = new Lmu(options);
        layer.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 60, 3);
        var (whole, _) = layer.forward(x, null);
        var (first, state) = layer.forward(x[.., ..25], null);
        var (second, _) = layer.forward(x[.., 25..], state);
        Assert.InRange(MaxAbs(whole, cat([first, second], 1)), 0, 1e-10);
    }

    [Theory]
    [InlineData(LmuMode.Fft, true)]
    [InlineData(LmuMode.Final, false)]
    [InlineData(LmuMode.Raw, true)]
    public void One_layer_serves_any_length_in_any_order(LmuMode mode, bool returnSequences)
    {
        manual_seed(6);
        var options = ParallelOptions(returnSequences);
        using var layer = new Lmu(options, mode);
        layer.to(ScalarType.Float64).eval();
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        foreach (int time in new[] { 5, 40, 17, 41, 100 })
        {
            using var x = Randn(ScalarType.Float64, 2, time, 3);
            Assert.InRange(MaxAbs(layer.forward(x, null).Output, seq.forward(x, null).Output), 0, 1e-10);
        }
    }

    [Theory]
    [InlineData(HiddenCell.Rnn, false)]
    [InlineData(HiddenCell.Rnn, true)]
    [InlineData(HiddenCell.Linear, false)]
    [InlineData(HiddenCell.Lstm, false)]
    public void Forward_and_step_leave_no_tensor_alive_past_the_callers_scope(HiddenCell hidden, bool returnSequences)
    {
        manual_seed(26);
        var options = Recurrent(hidden, false, false, returnSequences);
        using var x = Randn(ScalarType.Float32, 2, 9, 3);
        foreach (var mode in new[] { LmuMode.Auto, LmuMode.Sequential })
        {
            using var layer = new Lmu(options, mode);
            using var noGrad = no_grad();
            void Run()
            {
                using var scope = NewDisposeScope();
                var (_, state) = layer.forward(x, null);
                for (int t = 0; t < 3; t++) (_, state) = layer.step(x.select(1, t), state);
            }
            Run(); // fills the layer's caches (Ā, B̄, H)
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Run();
            Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
    }

    [Theory]
    [InlineData(LmuMode.Fft)]
    [InlineData(LmuMode.Sequential)]
    public void MemoryD_4_equals_four_single_channel_layers(LmuMode mode)
    {
        manual_seed(23);
        var options = new LmuOptions(3, 7, 15) { MemoryD = 4, UseBias = true, ReturnSequences = true };
        using var wide = new Lmu(options, mode);
        wide.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 20, 3);
        var (y, _) = wide.forward(x, null);
        var weight = wide.state_dict()["cell.input_encoder.weight"];
        var bias = wide.state_dict()["cell.input_encoder.bias"];
        var parts = new List<Tensor>();
        for (int c = 0; c < 4; c++)
        {
            using var narrow = new Lmu(options with { MemoryD = 1 }, mode);
            narrow.to(ScalarType.Float64).eval();
            using (no_grad())
            {
                narrow.state_dict()["cell.input_encoder.weight"].copy_(weight[c..(c + 1)]);
                narrow.state_dict()["cell.input_encoder.bias"].copy_(bias[c..(c + 1)]);
            }
            parts.Add(narrow.forward(x, null).Output);
        }
        Assert.InRange(MaxAbs(y, cat(parts, -1)), 0, 1e-12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Bidirectional_equals_a_forward_layer_on_reversed_input(bool returnSequences)
    {
        manual_seed(24);
        var options = Recurrent(HiddenCell.Gru, true, false, returnSequences);
        using var bi = new LmuBidirectional(options);
        bi.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 10, 3);
        var (y, (fState, bState)) = bi.forward(x, null);
        using var backwardCopy = new Lmu(options);
        backwardCopy.to(ScalarType.Float64).eval();
        backwardCopy.load_state_dict(bi.Backward.state_dict());
        var (f, _) = bi.Forward.forward(x, null);
        var (b, bRef) = backwardCopy.forward(x.flip(1), null);
        var expected = cat([f, returnSequences ? b.flip(1) : b], -1);
        Assert.InRange(MaxAbs(y, expected), 0, 1e-12);
        Assert.InRange(MaxAbs(bState.Memory, bRef.Memory), 0, 1e-12);
        Assert.Equal(2 * options.OutputSize, y.shape[^1]);
    }
}
