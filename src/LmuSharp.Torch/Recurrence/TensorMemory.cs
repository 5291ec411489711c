using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>Raw access to CPU tensors' elements for the C# kernels.</summary>
internal static class TensorMemory
{
    /// <summary>The first element of a contiguous CPU tensor's memory (null for a null tensor); the tensor must stay alive.</summary>
    public static unsafe T* Pointer<T>(Tensor? t) where T : unmanaged =>
        t is null ? null : (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    /// <summary>
    /// The first element of any CPU tensor, views with strides included (libtorch's <c>data_ptr</c>, which TorchSharp's
    /// <c>bytes</c> exposes for contiguous tensors only); the tensor must stay alive.
    /// </summary>
    public static unsafe T* DataPointer<T>(Tensor t) where T : unmanaged => (T*)THSTensor_data(t.Handle);

    [DllImport("LibTorchSharp")]
    static extern IntPtr THSTensor_data(IntPtr tensor);
}
