using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>Which implementation computes the scan.</summary>
internal enum ScanImplementation
{
    /// <summary>The C# kernel for CPU tensors, tensor operations elsewhere.</summary>
    Auto,

    /// <summary>The C# kernel (CPU tensors only).</summary>
    Kernel,

    /// <summary>Device-agnostic tensor operations (<see cref="TensorScan"/>).</summary>
    TensorOps,
}

/// <summary>
/// Autograd function of h_t = a_t ⊙ h_{t-1} + x_t; backward is the reverse recurrence (docs/MATH.md §4).
/// Arguments, already validated and prepared by <see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/>: x [B, T, C] contiguous,
/// a [B or 1, T or 1, C] contiguous, h0 [B, C] contiguous or null, bool reverse, <see cref="ScanImplementation"/>,
/// <see cref="ScanStrategy"/>. Returns h [B, T, C].
/// </summary>
internal sealed class LinearRecurrenceFunction : SingleTensorFunction<LinearRecurrenceFunction>
{
    /// <inheritdoc/>
    public override string Name => nameof(LinearRecurrence);

    /// <inheritdoc/>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, a, h0) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as Tensor);
        var (reverse, strategy) = ((bool)vars[3], (ScanStrategy)vars[5]);
        var useKernel = UseKernel(x, (ScanImplementation)vars[4]);
        Tensor h;
        if (!useKernel) h = TensorScan.Forward(x, a, h0, reverse);
        else
        {
            h = empty_like(x);
            var g = Geometry(x, a, reverse);
            if (x.dtype == ScalarType.Float32) KernelForward<float>(g, x, a, h0, h, strategy);
            else KernelForward<double>(g, x, a, h0, h, strategy);
        }
        ctx.save_for_backward([a, h, h0!]);
        ctx.save_data("reverse", reverse);
        ctx.save_data("kernel", useKernel);
        ctx.save_data("strategy", strategy);
        return h;
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables(); // fresh handles, released below with gradOutput's
        try
        {
            var (gradX, gradA, gradH0) = Gradients(ctx, gradOutput, saved[0], saved[1], saved[2]);
            return [gradX, gradA, gradH0!, null!, null!, null!];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call: ∂L/∂h is freed when autograd drops it, not at scope end or GC
        }
    }

    /// <summary>∂L/∂x, ∂L/∂a (in a's prepared shape) and ∂L/∂h0 (null without h0) from ∂L/∂h.</summary>
    static (Tensor GradX, Tensor GradA, Tensor? GradH0) Gradients(AutogradContext ctx, Tensor gradOutput, Tensor a, Tensor h, Tensor? h0)
    {
        var reverse = (bool)ctx.get_data("reverse");
        using var gradH = gradOutput.contiguous();
        Tensor gradX, gradA;
        Tensor? gradH0;
        if (h.size(1) == 0) (gradX, gradA, gradH0) = (zeros_like(h), zeros_like(a), h0 is null ? null : zeros_like(h0));
        else if (!(bool)ctx.get_data("kernel")) (gradX, gradA, gradH0) = TensorScan.Backward(gradH, a, h, h0, reverse);
        else
        {
            var g = Geometry(h, a, reverse);
            gradX = empty_like(h);
            long[] gradAShape = [h.size(0), a.size(1), h.size(2)];
            gradA = g.ATime ? empty(gradAShape, dtype: h.dtype) : zeros(gradAShape, dtype: h.dtype); // every row written, or summed into
            gradH0 = h0 is null ? null : empty_like(h0);
            var strategy = (ScanStrategy)ctx.get_data("strategy");
            if (h.dtype == ScalarType.Float32) KernelBackward<float>(g, gradH, a, h, h0, gradX, gradA, gradH0, strategy);
            else KernelBackward<double>(g, gradH, a, h, h0, gradX, gradA, gradH0, strategy);
        }
        if (a.size(0) != gradA.size(0))
        {
            using var perSequence = gradA;
            gradA = perSequence.sum(0, keepdim: true); // a shared across the batch
        }
        return (gradX, gradA, gradH0);
    }

    static bool UseKernel(Tensor x, ScanImplementation implementation) => implementation switch
    {
        ScanImplementation.TensorOps => false,
        ScanImplementation.Kernel when x.device_type != DeviceType.CPU =>
            throw new ArgumentException($"The C# kernel needs CPU tensors, got {x.device}.", nameof(implementation)),
        _ => x.device_type == DeviceType.CPU,
    };

    static ScanGeometry Geometry(Tensor x, Tensor a, bool reverse) =>
        new((int)x.size(0), (int)x.size(1), (int)x.size(2), a.size(0) == x.size(0), a.size(1) == x.size(1), reverse);

    static unsafe void KernelForward<T>(ScanGeometry g, Tensor x, Tensor a, Tensor? h0, Tensor h, ScanStrategy strategy)
        where T : unmanaged, System.Numerics.INumber<T>
    {
        if (g.Elements == 0) return;
        LinearRecurrenceKernel.Forward(g, Pointer<T>(x), Pointer<T>(a), Pointer<T>(h0), Pointer<T>(h), strategy);
    }

    static unsafe void KernelBackward<T>(ScanGeometry g, Tensor gradH, Tensor a, Tensor h, Tensor? h0,
        Tensor gradX, Tensor gradA, Tensor? gradH0, ScanStrategy strategy) where T : unmanaged, System.Numerics.INumber<T>
    {
        if (g.Elements == 0) return;
        LinearRecurrenceKernel.Backward(g, Pointer<T>(gradH), Pointer<T>(a), Pointer<T>(h), Pointer<T>(h0),
            Pointer<T>(gradX), Pointer<T>(gradA), Pointer<T>(gradH0), strategy);
    }
}
