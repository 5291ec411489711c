using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// Every <see cref="LmuMode"/> against the plain recurrence, over the option grid: values and gradients (of the input,
/// the initial state and every parameter) equal those of the cell stepped one sequence at a time, each sequence to its
/// own length and reversed by hand for go_backwards.
/// </summary>
public class LmuModeEquivalenceTests
{
    /// <summary>One point of the grid.</summary>
    public sealed record Case(LmuMode Mode, HiddenCell Hidden, string Feedback, string Trained, bool Lengths, bool Backwards,
        bool InitialState, bool ReturnSequences, ScalarType DType = ScalarType.Float64, int Time = 23, Discretizer Discretizer = Discretizer.Zoh)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"{Mode} {Hidden} feedback={Feedback} trained={Trained} lengths={Lengths} backwards={Backwards} state={InitialState} sequences={ReturnSequences} {DType} T={Time} {Discretizer}";
    }

    static readonly HiddenCell[] Cells = [HiddenCell.None, HiddenCell.Linear, HiddenCell.Rnn, HiddenCell.Lstm, HiddenCell.Gru];

    /// <summary>
    /// Each mode with each hidden cell it can run, twice: once with lengths, go_backwards, an initial state, return_sequences
    /// and trainable θ, once with none of them and trainable A, B. Feedback options run sequentially only. A few long
    /// float32 sequences check the tolerance of single precision.
    /// </summary>
    public static TheoryData<Case> Grid()
    {
        var data = new TheoryData<Case>();
        foreach (var mode in new[] { LmuMode.Sequential, LmuMode.Fft, LmuMode.Raw, LmuMode.Chunked, LmuMode.Final })
            foreach (var hidden in Cells)
            {
                if (mode == LmuMode.Final && hidden is not (HiddenCell.None or HiddenCell.Linear)) continue;
                data.Add(new(mode, hidden, "none", "theta", true, true, true, mode != LmuMode.Final, Discretizer: Discretizer.Bilinear));
                data.Add(new(mode, hidden, "none", "ab", false, false, false, false));
            }
        foreach (var hidden in Cells.Skip(1))
        {
            data.Add(new(LmuMode.Sequential, hidden, "hidden", "none", true, false, true, true));
            data.Add(new(LmuMode.Sequential, hidden, "both", "theta", false, true, false, false, Discretizer: Discretizer.Euler));
        }
        data.Add(new(LmuMode.Sequential, HiddenCell.None, "memory", "ab", true, true, true, true));
        foreach (var mode in new[] { LmuMode.Fft, LmuMode.Raw, LmuMode.Chunked })
            data.Add(new(mode, HiddenCell.Linear, "none", "none", false, false, false, true, ScalarType.Float32, 2000));
        data.Add(new(LmuMode.Final, HiddenCell.Linear, "none", "none", true, false, false, false, ScalarType.Float32, 2000));
        data.Add(new(LmuMode.Fft, HiddenCell.Rnn, "none", "none", false, false, true, true, ScalarType.Float32, 2000));
        return data;
    }

    [Theory]
    [MemberData(nameof(Grid))]
    public void Mode_equals_the_recurrence_in_values_and_gradients(Case c)
    {
        manual_seed(7);
        var options = Options(c);
        using var layer = new Lmu(options, new LmuComputation(c.Mode) { ChunkLength = 8 });
        layer.to(c.DType).eval();
        Assert.Equal(c.Mode, layer.Mode);
        const int batch = 3;
        var x = Randn(c.DType, batch, c.Time, options.InputSize).requires_grad_();
        using var lengths = c.Lengths ? tensor(new long[] { c.Time, 1, c.Time / 2 + 1 }) : null;
        var initial = c.InitialState ? InitialState(options, batch, c.DType) : null;

        var (y, state) = layer.forward(x, initial, lengths);
        var (yRef, stateRef) = SteppedOneByOne(layer, x, initial, lengths);
        double tol = c.DType == ScalarType.Float64 ? 1e-10 : 2e-5;
        Assert.InRange(MaxAbs(y, yRef), 0, tol);
        foreach (var (t, tRef) in state.Tensors().Zip(stateRef.Tensors()))
            Assert.InRange(MaxAbs(t, tRef), 0, tol * Scale(tRef));

        var inputs = new List<Tensor> { x };
        if (initial is not null) inputs.AddRange(initial.Tensors());
        inputs.AddRange(layer.parameters());
        var grads = Gradients(y, state, inputs);
        var gradsRef = Gradients(yRef, stateRef, inputs);
        for (int i = 0; i < grads.Length; i++)
            Assert.True(MaxAbs(grads[i], gradsRef[i]) <= tol * Scale(gradsRef[i]), $"gradient {i} differs by {MaxAbs(grads[i], gradsRef[i])}");
    }

    [Fact]
    public void Auto_resolves_to_the_fastest_exact_mode()
    {
        var feedForward = new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Linear, HiddenSize = 3 };
        Assert.Equal(LmuMode.Final, LmuComputation.Auto.Resolve(feedForward));
        Assert.Equal(LmuMode.Fft, LmuComputation.Auto.Resolve(feedForward with { ReturnSequences = true }));
        Assert.Equal(LmuMode.Fft, LmuComputation.Auto.Resolve(feedForward with { Hidden = HiddenCell.Lstm }));
        Assert.Equal(LmuMode.Sequential, LmuComputation.Auto.Resolve(feedForward with { HiddenToMemory = true }));
        Assert.Equal(LmuMode.Sequential, LmuComputation.Auto.Resolve(feedForward with { MemoryToMemory = true }));
    }

    [Fact]
    public void Modes_that_cannot_compute_the_options_are_refused_by_name()
    {
        var feedback = new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Linear, HiddenSize = 3, HiddenToMemory = true };
        foreach (var mode in new[] { LmuMode.Fft, LmuMode.Raw, LmuMode.Chunked, LmuMode.Final })
            Assert.Contains("hiddenToMemory", Assert.Throws<ArgumentException>(() => new Lmu(feedback, mode)).Message);
        var sequences = new LmuOptions(1, 4, 8) { ReturnSequences = true };
        Assert.Equal("Mode", Assert.Throws<ArgumentException>(() => new Lmu(sequences, LmuMode.Final)).ParamName);
        Assert.Equal("Mode", Assert.Throws<ArgumentException>(() => new Lmu(new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Gru, HiddenSize = 2 }, LmuMode.Final)).ParamName);
        using var layer = new Lmu(sequences);
        Assert.Throws<ArgumentException>(() => layer.Computation = LmuMode.Final);
        Assert.Equal(LmuMode.Fft, layer.Mode); // the refused value was not applied
        Assert.Throws<ArgumentOutOfRangeException>(() => new LmuComputation(LmuMode.Chunked) { ChunkLength = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new LmuComputation(LmuMode.Raw) { RawTolerance = 1 });
        Assert.Throws<ArgumentException>(() => new Lmu(sequences, (LmuMode)42));
    }

    static LmuOptions Options(Case c) => new(2, 6, 12)
    {
        MemoryD = 2,
        Discretizer = c.Discretizer,
        Hidden = c.Hidden,
        HiddenSize = c.Hidden == HiddenCell.None ? 0 : 4,
        HiddenActivation = c.Hidden == HiddenCell.Rnn ? Activation.Tanh : Activation.Relu,
        InputToHidden = c.Hidden != HiddenCell.None,
        UseBias = true,
        HiddenToMemory = c.Feedback is "hidden" or "both",
        MemoryToMemory = c.Feedback is "memory" or "both",
        TrainableTheta = c.Trained == "theta",
        TrainableAB = c.Trained == "ab",
        ReturnSequences = c.ReturnSequences,
        GoBackwards = c.Backwards,
    };

    static LmuState InitialState(LmuOptions o, int batch, ScalarType dtype)
    {
        var zeros = LmuState.Zeros(o, batch, dtype);
        return new LmuState(Randn(dtype, [.. zeros.Memory.shape]).requires_grad_(),
            zeros.Hidden is null ? null : Randn(dtype, [.. zeros.Hidden.shape]).requires_grad_(),
            zeros.Cell is null ? null : Randn(dtype, [.. zeros.Cell.shape]).requires_grad_());
    }

    /// <summary>
    /// The reference: the layer's cell stepped through each sequence alone, to its length, its valid part reversed for
    /// go_backwards; the output held at the last valid step. Without lengths the whole batch is stepped at once.
    /// </summary>
    static (Tensor Output, LmuState State) SteppedOneByOne(Lmu layer, Tensor x, LmuState? initial, Tensor? lengths)
    {
        long batch = x.shape[0], time = x.shape[1];
        if (lengths is null) return Stepped(layer, x, initial, time, time);
        var outputs = new List<Tensor>();
        var states = new List<LmuState>();
        for (int n = 0; n < batch; n++)
        {
            var one = initial is null ? null : new LmuState(initial.Memory[n..(n + 1)], initial.Hidden?[n..(n + 1)], initial.Cell?[n..(n + 1)]);
            var (o, s) = Stepped(layer, x[n..(n + 1)], one, lengths[n].item<long>(), time);
            outputs.Add(o);
            states.Add(s);
        }
        static Tensor? Cat(IEnumerable<Tensor?> parts) => parts.First() is null ? null : cat(parts.Select(p => p!).ToList(), 0);
        return (cat(outputs, 0), new LmuState(Cat(states.Select(s => s.Memory))!, Cat(states.Select(s => s.Hidden)), Cat(states.Select(s => s.Cell))));
    }

    /// <summary>The cell over the first <paramref name="length"/> steps of x; outputs padded to <paramref name="time"/> by holding the last.</summary>
    static (Tensor Output, LmuState State) Stepped(Lmu layer, Tensor x, LmuState? state, long length, long time)
    {
        var valid = x[.., ..(int)length];
        if (layer.Options.GoBackwards) valid = valid.flip(1);
        var outputs = new List<Tensor>();
        for (long t = 0; t < length; t++)
        {
            (var o, state) = layer.step(valid[.., (int)t], state);
            outputs.Add(o);
        }
        for (long t = length; t < time; t++) outputs.Add(outputs[^1]);
        return (layer.Options.ReturnSequences ? stack(outputs, 1) : outputs[^1], state!);
    }

    /// <summary>∂L/∂inputs for L = Σ y ⊙ w + Σ_s state_s ⊙ v_s with fixed random weights (seeded, the same for both paths).</summary>
    static Tensor[] Gradients(Tensor y, LmuState state, List<Tensor> inputs)
    {
        var generator = new Generator(99);
        var loss = (y * randn(y.shape, y.dtype, generator: generator)).sum();
        foreach (var s in state.Tensors()) loss = loss + (s * randn(s.shape, s.dtype, generator: generator)).sum();
        return autograd.grad([loss], inputs, retain_graph: true, allow_unused: true)
            .Select((g, i) => g is null || g.IsInvalid ? zeros_like(inputs[i]) : g).ToArray(); // an unused input has no gradient
    }

    static double Scale(Tensor t)
    {
        using var max = t.detach().abs().max();
        return Math.Max(1, max.to(ScalarType.Float64).item<double>());
    }
}
