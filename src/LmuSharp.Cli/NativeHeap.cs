using System.Runtime.InteropServices;

namespace LmuSharp.Cli;

/// <summary>
/// Keeps libtorch's freed CPU tensors in the C heap for reuse. glibc serves every allocation above 32 MB (the
/// ceiling of its mmap threshold) with a fresh mmap and returns it with munmap when freed, so a training step
/// page-faults its large tensors in again, step after step: training the 2019 psMNIST LMU spent almost half its
/// CPU time in the kernel, and a training step took about twice as long as with these settings (figures:
/// docs/BENCHMARKS.md, "The C heap").
/// No package tunes glibc's allocator, hence these two mallopt calls. They act on the main arena, which serves the
/// thread that runs `lmu`'s commands; other threads' arenas still mmap blocks larger than their 64 MB heaps. The
/// process keeps its peak heap size. For other programs, the same effect from outside the process (all arenas):
/// GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736.
/// </summary>
static partial class NativeHeap
{
    const int TrimThreshold = -1, MmapMax = -4; // M_TRIM_THRESHOLD, M_MMAP_MAX (malloc.h)

    /// <summary>
    /// On glibc: no mmap'd chunks (large blocks come from the heap) and no trimming of the heap's free top. The trim
    /// threshold is −1, which disables trimming (mallopt(3)). Its largest positive value, int.MaxValue, still let glibc
    /// shrink the heap whenever more than 2 GB lay free at its top: `lmu bench --only scan` frees that much on every
    /// scan backward, and spent 5.2–7.7 s in the kernel re-faulting the trimmed pages, against 2.7–4.8 s with −1.
    /// </summary>
    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapMax, 0);
            mallopt(TrimThreshold, -1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc (e.g. musl): its allocator has no such switches; nothing to do
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
