using System.Numerics;
using System.Runtime.CompilerServices;
using LmuSharp.Torch.Recurrence;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// TorchSharp's <see cref="Adam"/> update done in one pass over each parameter's memory instead of nine tensor ops
/// (and two temporaries) per parameter. Written by hand because TorchSharp has no fused or multi-tensor Adam; for a
/// model of a few small layers those per-op dispatches cost more than the arithmetic. The optimiser, its state and
/// its checkpoints stay TorchSharp's own: this only replaces <c>step()</c>, with the same formula:
/// <code>
/// g ← ∇ + λ p;   m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// </summary>
public static class FusedAdam
{
    /// <summary>
    /// Performs <c>adam.step()</c>. Fused on CPU for float32 parameters (the usual case); any other device, dtype,
    /// <c>amsgrad</c> or <c>maximize</c> runs TorchSharp's own step, so the result never depends on which path ran
    /// beyond float rounding. With 65,536 parameters or more and libtorch allowed more than one thread, each parameter's
    /// pass runs in two halves at once (<see cref="TwoLanes"/>); the halves are elementwise, so the result is the one-thread one.
    /// </summary>
    /// <param name="adam">The optimiser; its parameters' gradients hold ∇ (parameters without a gradient are skipped, as TorchSharp does).</param>
    public static void FusedStep(this Adam adam)
    {
        var plan = Plans.TryGetValue(adam, out var kept) && kept.IsCurrent(adam) ? kept : Replan(adam);
        if (!plan.Fusable || !plan.Groups.All(FusableOptions)) { adam.step(); return; }
        var passes = new List<Pass>(plan.Parameters.Count);
        var grads = new List<Tensor>();
        try
        {
            foreach (var entry in plan.Parameters)
            {
                var grad = entry.Parameter.grad;
                if (grad is null) continue;
                grads.Add(grad);
                var g = grad.is_contiguous() ? grad : grad.contiguous();
                if (!ReferenceEquals(g, grad)) grads.Add(g);
                entry.State.step++;
                passes.Add(new Pass(entry.Parameter, g, entry.State, (Adam.Options)entry.Group.Options));
            }
            Run(passes);
        }
        finally
        {
            foreach (var g in grads) g.Dispose();
        }
    }

    /// <summary>
    /// Each optimiser's <see cref="Plan"/>. Reading TorchSharp's optimiser state (<c>state_dict()</c>) and checking every
    /// parameter's device, dtype and layout took ≈ 45 µs of a psMNIST step's ≈ 1.3 ms when done at every step.
    /// </summary>
    static readonly ConditionalWeakTable<Adam, Plan> Plans = new();

    static Plan Replan(Adam adam)
    {
        var plan = new Plan(adam);
        Plans.AddOrUpdate(adam, plan);
        return plan;
    }

    /// <summary>
    /// An optimiser's parameters in order, each with its state and group, and whether the fused pass can update them all.
    /// Current while the groups hold the same parameter objects over the same tensors; what changes between steps (the
    /// gradients, the options, the state's moment tensors, which loading a checkpoint replaces) is read at every step.
    /// </summary>
    sealed class Plan
    {
        public Plan(Adam adam)
        {
            var states = adam.state_dict().State;
            int index = 0;
            foreach (var group in adam.ParamGroups.Cast<ParamGroup>())
            {
                Groups.Add(group);
                foreach (var p in group.Parameters) Parameters.Add(new Entry(p, p.Handle, (Adam.State)states[index++], group));
            }
            Fusable = Groups.All(group => group.Parameters.All(FusableParameter));
        }

        public List<ParamGroup> Groups { get; } = [];
        public List<Entry> Parameters { get; } = [];
        /// <summary>Whether every parameter is one the fused pass updates (the options are checked at every step).</summary>
        public bool Fusable { get; }

        public bool IsCurrent(Adam adam)
        {
            int g = 0, i = 0;
            foreach (var group in adam.ParamGroups.Cast<ParamGroup>())
            {
                if (g >= Groups.Count || !ReferenceEquals(group, Groups[g++])) return false;
                foreach (var p in group.Parameters)
                    if (i >= Parameters.Count || !ReferenceEquals(p, Parameters[i].Parameter) || p.Handle != Parameters[i++].Handle) return false;
            }
            return g == Groups.Count && i == Parameters.Count;
        }
    }

    /// <summary>A parameter with the tensor it held when planned, its optimiser state and its group.</summary>
    readonly record struct Entry(Parameter Parameter, IntPtr Handle, Adam.State State, ParamGroup Group);

    /// <summary>Below this many parameters in all, one thread updates them all: two would not pay for their hand-over.</summary>
    const long ParallelParameters = 65_536;

    /// <summary>The passes, each split in two halves on <see cref="TwoLanes"/> when libtorch may use more than one thread.</summary>
    static void Run(List<Pass> passes)
    {
        if (get_num_threads() < 2 || passes.Sum(p => p.Count) < ParallelParameters)
        {
            foreach (var pass in passes) pass.Apply(0, pass.Count);
            return;
        }
        TwoLanes.Run(lane =>
        {
            foreach (var pass in passes)
            {
                long half = pass.Count / 2 / 64 * 64; // halves on cache-line boundaries
                if (lane == 0) pass.Apply(0, half);
                else pass.Apply(half, pass.Count - half);
            }
        });
    }

    static bool FusableOptions(ParamGroup group)
    {
        var o = (Adam.Options)group.Options;
        return o.amsgrad != true && o.maximize != true;
    }

    static bool FusableParameter(Parameter p) =>
        p.device_type == TorchSharp.DeviceType.CPU && p.dtype == ScalarType.Float32 && p.is_contiguous();

    /// <summary>One parameter's update: its memory, gradient, moments and this step's coefficients.</summary>
    readonly unsafe struct Pass
    {
        readonly float* _p, _grad, _m, _v;
        readonly Coefficients _k;

        public Pass(Tensor parameter, Tensor grad, Adam.State state, Adam.Options o)
        {
            double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value;
            _k = new Coefficients(
                (float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2), (float)o.weight_decay!.Value,
                (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, state.step))), (float)o.eps!.Value,
                (float)(o.LearningRate!.Value / (1 - Math.Pow(beta1, state.step))));
            _p = TensorMemory.Pointer<float>(parameter);
            _grad = TensorMemory.Pointer<float>(grad);
            _m = TensorMemory.Pointer<float>(state.exp_avg);
            _v = TensorMemory.Pointer<float>(state.exp_avg_sq);
            Count = parameter.numel();
        }

        public long Count { get; }

        /// <summary>Updates elements [start, start + count).</summary>
        public void Apply(long start, long count) => Update(_p + start, _grad + start, _m + start, _v + start, count, _k);
    }

    /// <summary>
    /// β₁, 1 − β₁, β₂, 1 − β₂, λ, 1/√(1 − β₂ᵗ), ε and the step size lr / (1 − β₁ᵗ), in float. libtorch divides by
    /// √(1 − β₂ᵗ); multiplying by its inverse saves one of the pass's two divisions, which bound its speed, and moves
    /// the result by float rounding only.
    /// </summary>
    readonly record struct Coefficients(float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2, float WeightDecay,
        float InverseSqrtCorrection2, float Epsilon, float StepSize);

    static unsafe void Update(float* p, float* grad, float* m, float* v, long n, Coefficients k)
    {
        long i = 0;
        int width = Vector<float>.Count;
        for (; i <= n - width; i += width)
        {
            var g = Vector.Load(grad + i);
            var pv = Vector.Load(p + i);
            if (k.WeightDecay != 0) g += k.WeightDecay * pv;
            var mv = Vector.Load(m + i) * k.Beta1 + g * k.OneMinusBeta1;
            var vv = Vector.Load(v + i) * k.Beta2 + g * g * k.OneMinusBeta2;
            var denominator = Vector.SquareRoot(vv) * k.InverseSqrtCorrection2 + new Vector<float>(k.Epsilon);
            (pv - k.StepSize * mv / denominator).Store(p + i);
            mv.Store(m + i);
            vv.Store(v + i);
        }
        for (; i < n; i++)
        {
            float g = grad[i];
            if (k.WeightDecay != 0) g += k.WeightDecay * p[i];
            m[i] = m[i] * k.Beta1 + g * k.OneMinusBeta1;
            v[i] = v[i] * k.Beta2 + g * g * k.OneMinusBeta2;
            p[i] -= k.StepSize * m[i] / (MathF.Sqrt(v[i]) * k.InverseSqrtCorrection2 + k.Epsilon);
        }
    }
}
