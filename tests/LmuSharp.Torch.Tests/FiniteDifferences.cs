using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Autograd gradients against central finite differences, in float64.</summary>
internal static class FiniteDifferences
{
    /// <summary>Checks d loss / d p for a few entries of each tensor against (L(p+ε) − L(p−ε)) / 2ε.</summary>
    public static void Check(Func<Tensor> loss, IEnumerable<(string Name, Tensor P)> tensors)
    {
        var list = tensors.ToList();
        foreach (var (_, p) in list) p.grad?.zero_();
        using (var l = loss()) l.backward();
        const double eps = 1e-6;
        foreach (var (name, p) in list)
        {
            Assert.True(p.grad is not null, $"{name} received no gradient");
            var flat = p.detach().view(-1); // shares memory with p
            var grad = p.grad!.view(-1);
            long n = flat.shape[0];
            foreach (long i in new[] { 0L, n / 2, n - 1 }.Distinct())
            {
                double original = flat[i].item<double>();
                double Eval(double v)
                {
                    using (no_grad()) flat[i] = v;
                    using (no_grad())
                    using (var l = loss()) return l.item<double>();
                }
                double numeric = (Eval(original + eps) - Eval(original - eps)) / (2 * eps);
                using (no_grad()) flat[i] = original;
                double analytic = grad[i].item<double>();
                Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{name}[{i}]: autograd {analytic}, finite difference {numeric}");
            }
        }
    }
}
