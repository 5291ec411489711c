using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>Raw access to a CPU tensor's elements for the C# kernels.</summary>
internal static class TensorMemory
{
    /// <summary>
    /// The first element of a CPU tensor that may be a strided view (a block of a matrix's columns): its storage's data at
    /// its offset, for kernels that walk its strides themselves; the tensor must stay alive.
    /// </summary>
    public static unsafe T* First<T>(Tensor t) where T : unmanaged
    {
        if (t.is_contiguous()) return Pointer<T>(t);
        using var storage = t.storage<T>();
        return (T*)storage.data_ptr() + t.storage_offset();
    }

    /// <summary>The first element of a contiguous CPU tensor's memory (null for a null tensor); the tensor must stay alive.</summary>
    public static unsafe T* Pointer<T>(Tensor? t) where T : unmanaged =>
        t is null ? null : (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
}
