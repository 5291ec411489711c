using System.Runtime.InteropServices;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The BLAS matrix product libtorch's own CPU <c>addmm</c> ends in (MKL's <c>sgemm</c>, which libtorch_cpu exports),
/// called directly for float32 products of row-major matrices: the same kernel and the same numbers, without the
/// operator dispatch, views and checks that cost a few microseconds per call (a psMNIST step makes a dozen products;
/// in a step, after the large products have emptied the caches, each such call cost several times its in-cache figure).
/// Where the symbol is missing (a libtorch without MKL, another platform) every call falls back to <c>addmm_</c>.
/// MKL runs the product on the calling thread's libtorch thread count (<c>torch.set_num_threads</c> sets MKL's count for the
/// thread along with OpenMP's), as it does under <c>addmm_</c>.
/// </summary>
internal static unsafe partial class CpuBlas
{
    static bool _missing;

    /// <summary>False once a call found no sgemm in libtorch (all products then go to <c>addmm_</c>).</summary>
    public static bool CallsSgemm => !_missing;

    /// <summary>c ← op(a) op(b) (β = 0: c's old values are not read), by sgemm where it applies, else by <c>addmm_</c>.</summary>
    public static void Product(Tensor c, Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        if (!_missing && Direct(c, a, b) && TrySgemm(c, a, b, transposeA, transposeB)) return;
        using var left = transposeA ? a.t() : a.alias();
        using var right = transposeB ? b.t() : b.alias();
        c.addmm_(left, right, beta: 0, alpha: 1);
    }

    /// <summary>Float32 CPU matrices with unit column stride and no empty dimension: what sgemm takes as they are.</summary>
    static bool Direct(Tensor c, Tensor a, Tensor b) =>
        c.dtype == ScalarType.Float32 && a.dtype == ScalarType.Float32 && b.dtype == ScalarType.Float32
        && c.device_type == TorchSharp.DeviceType.CPU && a.device_type == TorchSharp.DeviceType.CPU && b.device_type == TorchSharp.DeviceType.CPU
        && c.dim() == 2 && a.dim() == 2 && b.dim() == 2 && c.stride(1) == 1 && a.stride(1) == 1 && b.stride(1) == 1
        && c.size(0) > 0 && c.size(1) > 0 && a.size(0) > 0 && a.size(1) > 0 && !c.requires_grad;

    /// <summary>
    /// Row-major C [M, N] = op(A) [M, K] · op(B) [K, N] is column-major Cᵀ = op(B)ᵀ op(A)ᵀ: sgemm with the operands
    /// swapped, each transposed where the row-major one is not.
    /// </summary>
    static bool TrySgemm(Tensor c, Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        long m = c.size(0), n = c.size(1), k = transposeA ? a.size(0) : a.size(1);
        long lda = a.stride(0), ldb = b.stride(0), ldc = c.stride(0);
        // BLAS wants each leading dimension at least its stored matrix's row length, and 32-bit integers; a view with a smaller
        // one (a single row can have any stride) goes to addmm_, which copies it: MKL would report the argument and return
        // without computing.
        if (lda < (transposeA ? m : k) || ldb < (transposeB ? k : n) || ldc < n || Math.Max(Math.Max(lda, ldb), ldc) > int.MaxValue)
            return false;
        return Sgemm(transposeB ? (byte)'T' : (byte)'N', transposeA ? (byte)'T' : (byte)'N', (int)n, (int)m, (int)k,
            Data(b), (int)ldb, Data(a), (int)lda, Data(c), (int)ldc);
    }

    /// <summary>Column-major C = op(A) op(B) (α = 1, β = 0); false when libtorch has no sgemm to call.</summary>
    static bool Sgemm(byte opA, byte opB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        float alpha = 1, beta = 0;
        try { sgemm_(&opA, &opB, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _missing = true;
            return false;
        }
        return true;
    }

    /// <summary>The first element of a tensor that may be a view with strides (a narrowed matrix): its storage's data, offset.</summary>
    static float* Data(Tensor t)
    {
        if (t.is_contiguous()) return Pointer<float>(t);
        using var storage = t.storage<float>();
        return (float*)storage.data_ptr() + t.storage_offset();
    }

    [LibraryImport("torch_cpu", EntryPoint = "sgemm_")]
    private static partial void sgemm_(byte* transA, byte* transB, int* m, int* n, int* k, float* alpha, float* a, int* lda,
        float* b, int* ldb, float* beta, float* c, int* ldc);
}
