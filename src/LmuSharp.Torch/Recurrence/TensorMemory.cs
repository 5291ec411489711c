using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>Raw access to a contiguous CPU tensor's elements for the C# kernels.</summary>
internal static class TensorMemory
{
    /// <summary>The first element of a contiguous CPU tensor's memory (null for a null tensor); the tensor must stay alive.</summary>
    public static unsafe T* Pointer<T>(Tensor? t) where T : unmanaged =>
        t is null ? null : (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
}
