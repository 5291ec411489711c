using LmuSharp.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary><see cref="FusedAdam.FusedStep"/> against TorchSharp's own <c>Adam.step()</c>, step for step.</summary>
public class FusedAdamTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.01)]
    public void Fused_steps_follow_TorchSharps_Adam(double weightDecay)
    {
        var (reference, referenceAdam) = Model(weightDecay);
        var (fused, fusedAdam) = Model(weightDecay);
        var x = randn(16, 7);
        for (int step = 0; step < 25; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var (model, adam, fusedStep) in new[] { (reference, referenceAdam, false), (fused, fusedAdam, true) })
            {
                adam.zero_grad();
                model.forward(x * (step + 1) / 10).pow(2).mean().backward(); // gradients that change from step to step
                if (fusedStep) adam.FusedStep(); else adam.step();
            }
        }
        foreach (var (a, b) in reference.parameters().Zip(fused.parameters()))
            Assert.InRange(MaxAbs(a, b), 0, 2e-6);
        var (sa, sb) = (referenceAdam.state_dict().State.Cast<Adam.State>().ToList(), fusedAdam.state_dict().State.Cast<Adam.State>().ToList());
        for (int i = 0; i < sa.Count; i++)
        {
            Assert.Equal(sa[i].step, sb[i].step);
            Assert.InRange(MaxAbs(sa[i].exp_avg, sb[i].exp_avg), 0, 1e-6);
            Assert.InRange(MaxAbs(sa[i].exp_avg_sq, sb[i].exp_avg_sq), 0, 1e-6);
        }
    }

    [Fact]
    public void Large_models_update_on_two_lanes_as_on_one_thread_and_as_TorchSharps_Adam()
    {
        // 90,300 parameters: above the size where the update is split between two lanes. The weights and inputs are drawn
        // once, before the three runs, so that tests running beside this one on torch's generator cannot change them.
        manual_seed(6);
        var initial = nn.Linear(300, 300);
        var inputs = Enumerable.Range(0, 3).Select(_ => randn(8, 300)).ToArray();
        Adam Stepped(int threads, bool fused)
        {
            var model = nn.Linear(300, 300);
            using (no_grad()) foreach (var (p, q) in model.parameters().Zip(initial.parameters())) p.copy_(q);
            var adam = optim.Adam(model.parameters(), 0.01);
            foreach (var x in inputs)
            {
                adam.zero_grad();
                model.forward(x).pow(2).mean().backward();
                if (fused) WithThreads(threads, () => { adam.FusedStep(); return 0; });
                else adam.step();
            }
            return adam;
        }
        var (lanes, single, reference) = (Stepped(2, true), Stepped(1, true), Stepped(1, false));
        foreach (var (a, b) in lanes.parameters().Zip(single.parameters())) Assert.Equal(0, MaxAbs(a, b));
        foreach (var (a, b) in lanes.parameters().Zip(reference.parameters())) Assert.InRange(MaxAbs(a, b), 0, 2e-6); // 2.4e-7 seen
    }

    [Fact]
    public void Parameters_without_gradient_and_float64_models_keep_TorchSharps_behaviour()
    {
        manual_seed(1);
        var used = nn.Linear(3, 2);
        var unused = nn.Linear(3, 2);
        var adam = optim.Adam(used.parameters().Concat(unused.parameters()), 0.1);
        var before = unused.weight!.detach().clone();
        used.forward(ones(1, 3)).sum().backward();
        adam.FusedStep();
        Assert.Equal(0, MaxAbs(before, unused.weight!));
        Assert.Equal(0L, adam.state_dict().State.Cast<Adam.State>().Last().step);

        var (reference, referenceAdam) = Model(0);
        var (other, otherAdam) = Model(0);
        reference.to(ScalarType.Float64);
        other.to(ScalarType.Float64);
        (referenceAdam, otherAdam) = (optim.Adam(reference.parameters(), 0.01), optim.Adam(other.parameters(), 0.01));
        var x = randn(4, 7, ScalarType.Float64);
        reference.forward(x).sum().backward();
        other.forward(x).sum().backward();
        referenceAdam.step();
        otherAdam.FusedStep(); // not float32: TorchSharp's step, exactly
        foreach (var (a, b) in reference.parameters().Zip(other.parameters())) Assert.Equal(0, MaxAbs(a, b));
    }

    [Fact]
    public void Steps_after_a_loaded_state_a_changed_rate_or_an_added_group_follow_TorchSharps_Adam()
    {
        // The fused step keeps what it read of the optimiser from step to step: each of these changes must reach it.
        var (reference, referenceAdam) = Model(0);
        var (fused, fusedAdam) = Model(0);
        var (extra, extraFused) = (nn.Linear(7, 3), nn.Linear(7, 3));
        using (no_grad()) foreach (var (p, q) in extraFused.parameters().Zip(extra.parameters())) p.copy_(q);
        var x = randn(16, 7);
        var (earlier, earlierAdam) = Model(0);
        for (int step = 0; step < 12; step++)
        {
            if (step == 4) // a checkpoint's state loaded into both: moment tensors replaced, step counts rewound
            {
                Run(earlier, earlierAdam, false, 1);
                referenceAdam.load_state_dict(earlierAdam.state_dict());
                fusedAdam.load_state_dict(earlierAdam.state_dict());
            }
            if (step == 6) foreach (var adam in new[] { referenceAdam, fusedAdam }) foreach (var g in adam.ParamGroups) g.LearningRate = 0.003;
            if (step == 8)
            {
                referenceAdam.add_param_group(new Adam.ParamGroup(extra.parameters(), new Adam.Options { LearningRate = 0.02 }));
                fusedAdam.add_param_group(new Adam.ParamGroup(extraFused.parameters(), new Adam.Options { LearningRate = 0.02 }));
            }
            Run(reference, referenceAdam, false, step, step >= 8 ? extra : null);
            Run(fused, fusedAdam, true, step, step >= 8 ? extraFused : null);
        }
        foreach (var (a, b) in reference.parameters().Concat(extra.parameters()).Zip(fused.parameters().Concat(extraFused.parameters())))
            Assert.InRange(MaxAbs(a, b), 0, 2e-6);
        Assert.Equal(referenceAdam.state_dict().State.Cast<Adam.State>().Select(s => s.step), fusedAdam.state_dict().State.Cast<Adam.State>().Select(s => s.step));

        void Run(nn.Module<Tensor, Tensor> model, Adam adam, bool fusedStep, int step, nn.Module<Tensor, Tensor>? added = null)
        {
            using var scope = NewDisposeScope();
            adam.zero_grad();
            var loss = model.forward(x * (step + 1) / 10).pow(2).mean();
            if (added is not null) loss += added.forward(x).pow(2).mean();
            loss.backward();
            if (fusedStep) adam.FusedStep(); else adam.step();
        }
    }

    static (nn.Module<Tensor, Tensor> Model, Adam Adam) Model(double weightDecay)
    {
        manual_seed(4);
        var model = nn.Sequential(nn.Linear(7, 37), nn.Tanh(), nn.Linear(37, 3)); // 37: a tail after the vector loop
        return (model, optim.Adam(model.parameters(), 0.01, weight_decay: weightDecay));
    }
}
