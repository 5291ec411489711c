using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>The sequential layer, its hidden cells and feedback paths, lengths, the bidirectional wrapper.</summary>
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

    public static TheoryData<HiddenCell, bool, bool> Cells() => new()
    {
        { HiddenCell.Rnn, true, true }, { HiddenCell.Lstm, true, false }, { HiddenCell.Gru, false, true },
        { HiddenCell.Linear, true, true }, { HiddenCell.None, false, true }, { HiddenCell.Lstm, false, false },
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void Step_repeated_equals_forward(HiddenCell hidden, bool h2m, bool m2m)
    {
        manual_seed(21);
        var options = Recurrent(hidden, h2m, m2m, returnSequences: true);
        using var layer = new Lmu(options);
        layer.to(ScalarType.Float64).eval();
        Assert.Equal(options.MemoryIsFeedForward, layer.UsesParallel);
        using var x = Randn(ScalarType.Float64, 2, 15, 3);
        var (y, s) = layer.forward(x, null);
        LmuState? state = null;
        var outputs = new List<Tensor>();
        for (int t = 0; t < 15; t++)
        {
            var (o, next) = layer.step(x.select(1, t), state);
            outputs.Add(o);
            state = next;
        }
        Assert.InRange(MaxAbs(y, stack(outputs, 1)), 0, 1e-12);
        foreach (var (a, b) in s.Tensors().Zip(state!.Tensors())) Assert.InRange(MaxAbs(a, b), 0, 1e-12);
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Lengths_equal_running_each_sequence_alone(HiddenCell hidden, bool h2m, bool m2m)
    {
        manual_seed(22);
        foreach (bool backwards in new[] { false, true })
        {
            var options = Recurrent(hidden, h2m, m2m, returnSequences: true) with { GoBackwards = backwards };
            using var layer = new Lmu(options);
            layer.to(ScalarType.Float64).eval();
            using var x = Randn(ScalarType.Float64, 3, 12, 3);
            long[] lengths = [12, 5, 1];
            var (y, s) = layer.forward(x, null, tensor(lengths));
            for (int n = 0; n < 3; n++)
            {
                var (alone, aloneState) = layer.forward(x[n..(n + 1), ..(int)lengths[n]], null);
                Assert.InRange(MaxAbs(y[n..(n + 1), ..(int)lengths[n]], alone), 0, 1e-12);
                // past the length the output holds its last value
                var held = alone[.., ^1..].expand(1, 12 - lengths[n], -1);
                Assert.InRange(MaxAbs(y[n..(n + 1), (int)lengths[n]..], held), 0, 1e-12);
                foreach (var (a, b) in s.Tensors().Zip(aloneState.Tensors())) Assert.InRange(MaxAbs(a[n..(n + 1)], b), 0, 1e-12);
            }
        }
    }

    [Theory]
    [InlineData(HiddenCell.Lstm, true, ParallelMode.Fft)]
    [InlineData(HiddenCell.Gru, false, ParallelMode.Chunked)]
    [InlineData(HiddenCell.Rnn, true, ParallelMode.Raw)]
    [InlineData(HiddenCell.Rnn, true, ParallelMode.Fft)]
    [InlineData(HiddenCell.Rnn, false, ParallelMode.Auto)]
    [InlineData(HiddenCell.Lstm, false, ParallelMode.Final)]
    public void Parallel_memory_with_a_recurrent_hidden_cell_equals_the_recurrence(HiddenCell hidden, bool returnSequences, ParallelMode mode)
    {
        manual_seed(25);
        var options = Recurrent(hidden, false, false, returnSequences) with { GoBackwards = true };
        using var layer = new Lmu(options) { ParallelMode = mode };
        layer.to(ScalarType.Float64).eval();
        Assert.True(layer.UsesParallel);
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        using var x = Randn(ScalarType.Float64, 3, 30, 3);
        using var lengths = tensor(new long[] { 30, 7, 1 });
        var initial = new LmuState(Randn(ScalarType.Float64, 3, 2, 6), Randn(ScalarType.Float64, 3, 4),
            hidden == HiddenCell.Lstm ? Randn(ScalarType.Float64, 3, 4) : null);
        var (y, s) = layer.forward(x, initial, lengths);
        var (yRef, sRef) = seq.forward(x, initial, lengths);
        Assert.InRange(MaxAbs(y, yRef), 0, 1e-10);
        foreach (var (a, b) in s.Tensors().Zip(sRef.Tensors(), (a, b) => (a, b))) Assert.InRange(MaxAbs(a, b), 0, 1e-10);
        Assert.Equal(sRef.Tensors().Count(), s.Tensors().Count());
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
        foreach (var implementation in new[] { LmuImplementation.Parallel, LmuImplementation.Sequential })
        {
            using var layer = new Lmu(options, implementation);
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
    [InlineData(LmuImplementation.Parallel)]
    [InlineData(LmuImplementation.Sequential)]
    public void MemoryD_4_equals_four_single_channel_layers(LmuImplementation implementation)
    {
        manual_seed(23);
        var options = new LmuOptions(3, 7, 15) { MemoryD = 4, UseBias = true, ReturnSequences = true };
        using var wide = new Lmu(options, implementation);
        wide.to(ScalarType.Float64).eval();
        using var x = Randn(ScalarType.Float64, 2, 20, 3);
        var (y, _) = wide.forward(x, null);
        var weight = wide.state_dict()["cell.input_encoder.weight"];
        var bias = wide.state_dict()["cell.input_encoder.bias"];
        var parts = new List<Tensor>();
        for (int c = 0; c < 4; c++)
        {
            using var narrow = new Lmu(options with { MemoryD = 1 }, implementation);
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
