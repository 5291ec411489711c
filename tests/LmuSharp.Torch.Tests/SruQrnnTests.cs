using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>SRU and QRNN stacks: the scan against a plain per-step loop from the state dict, step against forward, gradients.</summary>
public class SruQrnnTests
{
    public static TheoryData<string, int, bool, int> Stacks() => new()
    {
        { "sru", 1, false, 1 }, { "sru", 2, true, 1 }, { "sru", 3, false, 1 },
        { "qrnn", 1, false, 1 }, { "qrnn", 1, false, 2 }, { "qrnn", 2, true, 3 }, { "qrnn", 2, false, 10 },
    };

    static nn.Module Make(string kind, int layers, bool bidirectional, int window, int input = 3, int hidden = 5)
    {
        var options = new StackOptions(input, hidden) { Layers = layers, Bidirectional = bidirectional };
        nn.Module m = kind == "sru" ? new Sru(options) : new Qrnn(options, window);
        return m.to(ScalarType.Float64);
    }

    static (Tensor Output, object State) Forward(nn.Module m, Tensor x, object? state) => m switch
    {
        Sru s => s.forward(x, (Tensor?)state),
        Qrnn q => q.forward(x, (QrnnState?)state),
        _ => throw new InvalidOperationException(),
    };

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Forward_equals_a_plain_per_step_loop(string kind, int layers, bool bidirectional, int window)
    {
        manual_seed(31);
        using var m = Make(kind, layers, bidirectional, window);
        m.eval();
        using var x = Randn(ScalarType.Float64, 2, 13, 3);
        var (y, _) = Forward(m, x, null);
        var weights = m.state_dict();
        var input = x;
        int directions = bidirectional ? 2 : 1;
        for (int layer = 0; layer < layers; layer++)
        {
            var outputs = new List<Tensor>();
            for (int d = 0; d < directions; d++)
            {
                string p = $"layers.{layer * directions + d}.";
                var sequence = d == 0 ? input : input.flip(1);
                var h = kind == "sru" ? SruLoop(sequence, weights, p) : QrnnLoop(sequence, weights, p, window);
                outputs.Add(d == 0 ? h : h.flip(1));
            }
            input = cat(outputs, -1);
        }
        Assert.InRange(MaxAbs(y, input), 0, 1e-12);
    }

    /// <summary>c_t = f c_{t−1} + (1 − f) x̃, h_t = r tanh(c_t) + (1 − r) s_t, one step at a time.</summary>
    static Tensor SruLoop(Tensor x, Dictionary<string, Tensor> w, string p)
    {
        var (weight, bias) = (w[p + "gates.weight"], w[p + "gates.bias"]);
        long hidden = weight.shape[0] / 3;
        var c = zeros(x.shape[0], hidden, ScalarType.Float64);
        var hs = new List<Tensor>();
        for (long t = 0; t < x.shape[1]; t++)
        {
            var xt = x[.., t];
            var g = xt.matmul(weight.T) + bias;
            var (cand, f, r) = (g[.., ..(int)hidden], g[.., (int)hidden..(int)(2 * hidden)].sigmoid(), g[.., (int)(2 * hidden)..].sigmoid());
            c = f * c + (1 - f) * cand;
            var s = w.TryGetValue(p + "skip.weight", out var skip) ? xt.matmul(skip.T) : xt;
            hs.Add(r * c.tanh() + (1 - r) * s);
        }
        return stack(hs, 1);
    }

    /// <summary>w_t = [x_{t−k+1}; …; x_t] with zeros before the start; c_t = f c_{t−1} + (1 − f) z; h_t = o c_t.</summary>
    static Tensor QrnnLoop(Tensor x, Dictionary<string, Tensor> w, string p, int k)
    {
        var (weight, bias) = (w[p + "gates.weight"], w[p + "gates.bias"]);
        long hidden = weight.shape[0] / 3, inputs = x.shape[2];
        var c = zeros(x.shape[0], hidden, ScalarType.Float64);
        var hs = new List<Tensor>();
        for (long t = 0; t < x.shape[1]; t++)
        {
            var g = bias.expand(x.shape[0], -1).clone();
            for (long j = 0; j < k; j++)
            {
                long source = t - (k - 1) + j;
                if (source >= 0) g = g + x[.., source].matmul(weight[.., (int)(j * inputs)..(int)((j + 1) * inputs)].T);
            }
            var (z, f, o) = (g[.., ..(int)hidden].tanh(), g[.., (int)hidden..(int)(2 * hidden)].sigmoid(), g[.., (int)(2 * hidden)..].sigmoid());
            c = f * c + (1 - f) * z;
            hs.Add(o * c);
        }
        return stack(hs, 1);
    }

    [Theory]
    [InlineData("sru", 2, 1)]
    [InlineData("qrnn", 2, 3)]
    [InlineData("qrnn", 1, 1)]
    public void Step_and_split_forward_equal_the_whole_forward(string kind, int layers, int window)
    {
        manual_seed(32);
        using var m = Make(kind, layers, false, window);
        m.eval();
        using var x = Randn(ScalarType.Float64, 2, 17, 3);
        var (whole, final) = Forward(m, x, null);
        var (first, middle) = Forward(m, x[.., ..6], null);
        var (second, splitFinal) = Forward(m, x[.., 6..], middle);
        Assert.InRange(MaxAbs(whole, cat([first, second], 1)), 0, 1e-12);
        object? state = null;
        var outputs = new List<Tensor>();
        for (int t = 0; t < 17; t++)
        {
            var (o, next) = m switch
            {
                Sru s => ((Tensor, object))s.step(x[.., t], (Tensor?)state),
                Qrnn q => q.step(x[.., t], (QrnnState?)state),
                _ => throw new InvalidOperationException(),
            };
            outputs.Add(o);
            state = next;
        }
        Assert.InRange(MaxAbs(whole, stack(outputs, 1)), 0, 1e-12);
        var (a, b) = (Cell(final), Cell(state!));
        Assert.InRange(MaxAbs(a, b), 0, 1e-12);
        Assert.InRange(MaxAbs(a, Cell(splitFinal)), 0, 1e-12);
    }

    static Tensor Cell(object state) => state is QrnnState q ? q.Cell : (Tensor)state;

    [Theory]
    [InlineData("sru", 2, false, 1)]
    [InlineData("sru", 1, true, 1)]
    [InlineData("qrnn", 2, false, 2)]
    [InlineData("qrnn", 1, true, 3)]
    public void Gradients_match_finite_differences(string kind, int layers, bool bidirectional, int window)
    {
        manual_seed(33);
        using var m = Make(kind, layers, bidirectional, window, input: 2, hidden: 3);
        using var x = Randn(ScalarType.Float64, 2, 9, 2).requires_grad_(true);
        using var weights = Randn(ScalarType.Float64, 2, 9, bidirectional ? 6 : 3);
        Tensor Loss()
        {
            var (y, state) = Forward(m, x, null);
            return (y * weights).sum() + Cell(state).square().sum() * 0.1;
        }
        FiniteDifferences.Check(Loss, m.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Append(("input", x)));
    }

    [Fact]
    public void Bad_arguments_name_what_is_wrong()
    {
        using var sru = new Sru(new StackOptions(3, 4) { Layers = 2 });
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => sru.forward(zeros(2, 5, 3), zeros(1, 2, 4))).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => sru.forward(zeros(2, 5, 2), null)).ParamName);
        using var bi = new Qrnn(new StackOptions(3, 4) { Bidirectional = true });
        Assert.Throws<InvalidOperationException>(() => bi.step(zeros(2, 3), null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StackOptions(3, 4) { Dropout = 1 });
        Assert.Equal("window", Assert.Throws<ArgumentOutOfRangeException>(() => new Qrnn(3, 4, window: 0)).ParamName);
    }
}
