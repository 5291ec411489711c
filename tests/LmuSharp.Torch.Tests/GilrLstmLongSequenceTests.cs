using LmuSharp.Torch.Recurrence;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// Hochreiter &amp; Schmidhuber's problem 2b (docs/MATH.md §4) at a short length: one-hot inputs in 128 dimensions,
/// the first input ±e_1 carries the class in its sign, every later input is a distractor e_j (j ≥ 2),
/// and the class is read from the last output.
/// </summary>
public class GilrLstmLongSequenceTests(ITestOutputHelper output)
{
    const int Dims = 128, Length = 128, Hidden = 16;

    sealed class Classifier : nn.Module<Tensor, Tensor>
    {
        private readonly GilrLstm layer1, layer2;
        private readonly Linear head;

        public Classifier() : base(nameof(Classifier))
        {
            (layer1, layer2, head) = (new GilrLstm(Dims, Hidden), new GilrLstm(Hidden, Hidden), nn.Linear(Hidden, 1));
            RegisterComponents();
            layer1.chrono_init(Length);
            layer2.chrono_init(Length);
        }

        public override Tensor forward(Tensor x)
        {
            var (h1, _) = layer1.call(x, null);
            var (h2, _) = layer2.call(h1, null);
            return head.forward(h2.select(1, -1)).squeeze(-1);
        }
    }

    static (Tensor X, Tensor Label) Batch(int size, Generator generator)
    {
        var label = randint(0, 2, [size], generator: generator);
        var symbols = randint(1, Dims, [size, Length], generator: generator); // distractors e_2..e_128 (index 1..127)
        symbols[TensorIndex.Colon, 0] = 0;
        var x = nn.functional.one_hot(symbols, Dims).to(ScalarType.Float32);
        x[TensorIndex.Colon, 0, 0] = label.to(ScalarType.Float32) * 2 - 1; // ±e_1
        return (x, label.to(ScalarType.Float32));
    }

    [Fact]
    public void A_stacked_gilr_lstm_learns_problem_2b_to_full_held_out_accuracy()
    {
        // Tensors this small gain nothing from libtorch's intra-op threads, and on a busy machine its
        // spinning workers made each step 5–7× slower (measured); only speed depends on this setting.
        int threads = get_num_threads();
        set_num_threads(1);
        try { Learn(); }
        finally { set_num_threads(threads); }
    }

    void Learn()
    {
        manual_seed(41);
        var generator = new Generator(42);
        var model = new Classifier();
        var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        var (testX, testLabel) = Batch(256, generator);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double accuracy = 0;
        int step;
        for (step = 1; step <= 600 && accuracy < 1; step++)
        {
            using (var scope = NewDisposeScope())
            {
                var (x, label) = Batch(32, generator);
                optimizer.zero_grad();
                nn.functional.binary_cross_entropy_with_logits(model.call(x), label).backward();
                optimizer.step();
            }
            if (step % 20 != 0) continue;
            using (no_grad())
            using (var scope = NewDisposeScope())
                accuracy = ((model.call(testX) > 0).to(ScalarType.Float32) == testLabel).to(ScalarType.Float32).mean().item<float>();
        }
        output.WriteLine($"length {Length}: held-out accuracy {accuracy:P1} after {step - 1} steps, {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(1.0, accuracy);
    }
}
