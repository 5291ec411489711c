using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Small models that must actually learn, in a few seconds of CPU.</summary>
public class LmuTrainingTests
{
    /// <summary>Low-pass filtered noise [batch, time, 1] (a 16-step running mean of white noise), so that a delay is learnable.</summary>
    static Tensor SmoothNoise(long batch, long time)
    {
        using var white = randn(batch, 1, time + 15);
        using var kernel = full(1, 1, 16, 1.0f / 16);
        using var smooth = nn.functional.conv1d(white, kernel) * 4;
        return smooth.transpose(1, 2).contiguous();
    }

    [Fact]
    public void Learns_to_delay_its_input()
    {
        manual_seed(41);
        const int delay = 12, time = 64;
        var lmu = new Lmu(new LmuOptions(1, 12, 24) { ReturnSequences = true }, LmuMode.Fft);
        var readout = nn.Linear(12, 1);
        var parameters = lmu.parameters().Concat(readout.parameters()).ToList();
        var adam = optim.Adam(parameters, lr: 0.02);
        double Loss(Tensor x, bool train)
        {
            using var scope = NewDisposeScope();
            var (m, _) = lmu.forward(x, null);
            var y = readout.forward(m)[.., delay..];
            var target = x[.., ..(time - delay)];
            var loss = nn.functional.mse_loss(y, target);
            if (train)
            {
                adam.zero_grad();
                loss.backward();
                adam.step();
            }
            return loss.item<float>();
        }
        using var test = SmoothNoise(64, time);
        double before = Loss(test, false);
        for (int i = 0; i < 800; i++)
            using (var batch = SmoothNoise(32, time)) Loss(batch, true);
        double after = Loss(test, false);
        using var variance = test.var();
        Assert.True(after < 0.05 * variance.item<float>(), $"delay MSE {after} (before {before}, signal variance {variance.item<float>()})");
    }

    [Fact]
    public void Learns_to_classify_by_the_first_step_among_distractors()
    {
        // class = sign of a pulse over the first 4 steps; the other 36 steps are noise of the same size: the memory
        // must keep the start of the sequence.
        manual_seed(42);
        const int time = 40;
        (Tensor X, Tensor Y) Batch(long n)
        {
            var y = randint(0, 2, [n]);
            var x = randn(n, time, 1);
            x[.., ..4, 0] = (y * 2 - 1).to(ScalarType.Float32).unsqueeze(1).expand(n, 4);
            return (x, y);
        }
        var lmu = new Lmu(new LmuOptions(1, 16, 1.5 * time) { Hidden = HiddenCell.Linear, HiddenSize = 16, HiddenActivation = Activation.Relu, InputToHidden = true });
        var classifier = nn.Linear(16, 2);
        var adam = optim.Adam(lmu.parameters().Concat(classifier.parameters()), lr: 0.01);
        for (int i = 0; i < 500; i++)
        {
            using var scope = NewDisposeScope();
            var (x, y) = Batch(64);
            var loss = nn.functional.cross_entropy(classifier.forward(lmu.forward(x, null).Output), y);
            adam.zero_grad();
            loss.backward();
            adam.step();
        }
        using var _ = NewDisposeScope();
        var (tx, ty) = Batch(1000);
        using var noGrad = no_grad();
        var accuracy = classifier.forward(lmu.forward(tx, null).Output).argmax(1).eq(ty).to(ScalarType.Float32).mean().item<float>();
        Assert.True(accuracy >= 0.95, $"accuracy {accuracy}");
    }
}
