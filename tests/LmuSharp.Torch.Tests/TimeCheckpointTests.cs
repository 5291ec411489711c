using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// <see cref="TimeCheckpoint"/> against the plain computation (one graph over the whole sequence), on a 2-layer
/// GILR-LSTM: same final state, same gradients for the parameters, the initial state and a float input; finite
/// differences in float64; and the one-hot shortcut (gathering projected vocabulary rows) against the dense input.
/// </summary>
public class TimeCheckpointTests
{
    const int Input = 3, Hidden = 4, Time = 23;

    sealed class TwoLayers : nn.Module
    {
        private readonly GilrLstm layer1, layer2;

        public TwoLayers() : base(nameof(TwoLayers))
        {
            (layer1, layer2) = (new GilrLstm(Input, Hidden), new GilrLstm(Hidden, Hidden));
            RegisterComponents();
            layer1.chrono_init(Time);
            layer2.chrono_init(Time);
        }

        /// <summary>(h̃₁, c₁, h̃₂, c₂, last h₂) after x [batch, steps, Input] from the given state.</summary>
        public Tensor[] Chunk(Tensor x, Tensor[] s)
        {
            var (h1, s1) = layer1.call(x, new GilrLstmState(s[0], s[1]));
            var (h2, s2) = layer2.call(h1, new GilrLstmState(s[2], s[3]));
            return [s1.Gilr, s1.Cell, s2.Gilr, s2.Cell, h2.select(1, -1)];
        }
    }

    static Tensor Loss(Tensor[] final, Tensor[] weights) => final.Zip(weights, (f, w) => (f * w).sum()).Aggregate((a, b) => a + b);

    static Tensor[] Gradients(TwoLayers model, Tensor x, Tensor[] state, Tensor[] weights, long? chunkLength)
    {
        var final = chunkLength is { } n ? TimeCheckpoint.apply(model.Chunk, x, state, model.parameters(), n) : model.Chunk(x, state);
        Tensor[] wrt = [.. model.parameters(), x, .. state];
        var grads = autograd.grad([Loss(final, weights)], wrt, allow_unused: true) // the carried last output is not read
            .Select((g, i) => g is null || g.IsInvalid ? zeros_like(wrt[i]) : g);
        return [.. grads, .. final.Select(f => f.detach())];
    }

    /// <summary>The model in float64, an input, the five initial state vectors and fixed random loss weights, from <paramref name="seed"/>.</summary>
    static (TwoLayers Model, Tensor X, Tensor[] State, Tensor[] Weights) Problem(int seed)
    {
        manual_seed(seed);
        var model = new TwoLayers();
        model.to(ScalarType.Float64);
        var x = randn([2, Time, Input], dtype: ScalarType.Float64, requires_grad: true);
        var state = Enumerable.Range(0, 5).Select(_ => randn([2, Hidden], dtype: ScalarType.Float64, requires_grad: true)).ToArray();
        var weights = Enumerable.Range(0, 5).Select(_ => randn([2, Hidden], dtype: ScalarType.Float64)).ToArray();
        return (model, x, state, weights);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]  // 23 = 4 · 5 + 3: a short last chunk
    [InlineData(23)]
    [InlineData(64)] // one chunk longer than the sequence
    public void Final_state_and_every_gradient_equal_those_of_the_whole_sequence_in_one_graph(long chunkLength)
    {
        var (model, x, state, weights) = Problem(71);

        var plain = Gradients(model, x, state, weights, null);
        var checkpointed = Gradients(model, x, state, weights, chunkLength);
        Assert.Equal(plain.Length, checkpointed.Length);
        for (int i = 0; i < plain.Length; i++)
            Assert.True(checkpointed[i].allclose(plain[i], rtol: 1e-12, atol: 1e-14), $"tensor {i} differs (chunks of {chunkLength})");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // run on one intra-op thread, then the two restored
    public void Gradients_are_the_same_with_one_or_two_threads_and_the_thread_count_is_restored(int threads)
    {
        var (model, x, state, weights) = Problem(75);
        var plain = Gradients(model, x, state, weights, null);
        int before = get_num_threads();
        set_num_threads(threads);
        try
        {
            var checkpointed = Gradients(model, x, state, weights, 3);
            for (int i = 0; i < plain.Length; i++)
                Assert.True(checkpointed[i].allclose(plain[i], rtol: 1e-12, atol: 1e-14), $"tensor {i} differs ({threads} threads)");
            Assert.Equal(threads, get_num_threads()); // restored after the backward pass
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        manual_seed(72);
        var model = new TwoLayers();
        model.to(ScalarType.Float64);
        var x = randn([1, 9, Input], dtype: ScalarType.Float64, requires_grad: true);
        var state = Enumerable.Range(0, 5).Select(_ => zeros([1, Hidden], dtype: ScalarType.Float64)).ToArray();
        state[1].requires_grad_(true);
        var weights = Enumerable.Range(0, 5).Select(_ => randn([1, Hidden], dtype: ScalarType.Float64)).ToArray();
        var tensors = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Append(("x", x)).Append(("c₁(0)", state[1]));
        FiniteDifferences.Check(() => Loss(TimeCheckpoint.apply(model.Chunk, x, state, model.parameters(), 4), weights), tensors);
    }

    [Fact]
    public void Without_autograd_it_returns_the_same_state_and_records_no_graph()
    {
        manual_seed(73);
        var model = new TwoLayers();
        var x = randn([2, Time, Input]);
        var state = Enumerable.Range(0, 5).Select(_ => zeros([2, Hidden])).ToArray();
        using var _ = no_grad();
        var plain = model.Chunk(x, state);
        var checkpointed = TimeCheckpoint.apply(model.Chunk, x, state, model.parameters(), 6);
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.True(checkpointed[i].allclose(plain[i], rtol: 1e-5, atol: 1e-6), $"tensor {i}");
            Assert.False(checkpointed[i].requires_grad);
        }
    }

    [Fact]
    public void Gathering_projected_vocabulary_rows_equals_the_layer_on_one_hot_inputs_with_the_same_gradients()
    {
        manual_seed(74);
        const int vocabulary = 7;
        var layer = new GilrLstm(vocabulary, Hidden);
        layer.to(ScalarType.Float64);
        var tokens = randint(0, vocabulary, [2, Time]);
        var oneHot = nn.functional.one_hot(tokens, vocabulary).to(ScalarType.Float64);
        var weights = randn([2, Time, Hidden], dtype: ScalarType.Float64);
        var parameters = layer.parameters().ToArray();

        var (dense, _) = layer.call(oneHot, null);
        var denseGrads = autograd.grad([(dense * weights).sum()], parameters);
        var rows = layer.project(eye(vocabulary, dtype: ScalarType.Float64)).index_select(0, tokens.flatten()).view(2, Time, -1);
        var (gathered, _) = layer.forward_projected(rows, null);
        var gatheredGrads = autograd.grad([(gathered * weights).sum()], parameters);

        Assert.True(gathered.allclose(dense, rtol: 1e-12, atol: 1e-14));
        for (int i = 0; i < parameters.Length; i++)
            Assert.True(gatheredGrads[i].allclose(denseGrads[i], rtol: 1e-12, atol: 1e-14), $"parameter {i}");
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_argument_named()
    {
        var model = new TwoLayers();
        var state = Enumerable.Range(0, 5).Select(_ => zeros([1, Hidden])).ToArray();
        Assert.Equal("chunkLength", Assert.Throws<ArgumentOutOfRangeException>(() => TimeCheckpoint.apply(model.Chunk, zeros(1, 4, Input), state, model.parameters(), 0)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => TimeCheckpoint.apply(model.Chunk, zeros(4), state, model.parameters(), 2)).ParamName);
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => TimeCheckpoint.apply(model.Chunk, zeros(1, 4, Input), [zeros(1, Hidden, dtype: int64)], model.parameters(), 2)).ParamName);
        Assert.Equal("projection", Assert.Throws<ArgumentException>(() => new GilrLstm(Input, Hidden).forward_projected(zeros(1, 4, Hidden), null)).ParamName);
    }
}
