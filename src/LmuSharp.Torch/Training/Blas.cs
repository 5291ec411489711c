using System.Runtime.InteropServices;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Matrix products into preallocated CPU tensors for the fused training kernels: C ← op(A) op(B) + β C on row-major
/// float32 or float64 matrices. libtorch's CPU build links a BLAS (MKL on x86-64) and exports its Fortran
/// <c>sgemm_</c>/<c>dgemm_</c>; where it does, the product is that routine called on the tensors' memory, the same one
/// <c>torch.mm</c> runs, without libtorch's dispatch, its result allocation and its checks, which cost as much as the
/// product itself at the sizes of a small model's step. Where the symbols are missing the product is libtorch's
/// <c>addmm_</c> into C, with the same result. No package exposes the BLAS libtorch already carries, hence this binding.
/// </summary>
internal static unsafe class Blas
{
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void> Sgemm;
    static readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, void> Dgemm;

    static Blas()
    {
        using var _ = zeros(1); // makes sure TorchSharp has loaded libtorch
        foreach (var name in (string[])["libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll"])
        {
            if (!NativeLibrary.TryLoad(name, out var library)) continue;
            if (NativeLibrary.TryGetExport(library, "sgemm_", out var s) && NativeLibrary.TryGetExport(library, "dgemm_", out var d))
            {
                Sgemm = (delegate* unmanaged<byte*, byte*, int*, int*, int*, float*, float*, int*, float*, int*, float*, float*, int*, void>)s;
                Dgemm = (delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, void>)d;
                return;
            }
        }
    }

    /// <summary>True when the products call libtorch's BLAS directly.</summary>
    public static bool Direct => Sgemm != null && !UseLibtorchOps;

    /// <summary>Routes every product through libtorch's <c>addmm_</c> (tests compare the two routes).</summary>
    internal static bool UseLibtorchOps { get; set; }

    /// <summary>
    /// C ← op(A) op(B) + β C, op(X) = Xᵀ when its flag is set. A, B, C 2-D CPU tensors of one dtype (float32 or float64)
    /// whose rows are contiguous (each its own row stride, e.g. a column block of a wider matrix; other layouts go through
    /// <c>addmm_</c>), C [M, N] with op(A)
    /// [M, K] and op(B) [K, N]. β = 0 ignores C's old values (NaN included).
    /// </summary>
    public static void Gemm(Tensor c, Tensor a, bool transposeA, Tensor b, bool transposeB, double beta = 0)
    {
        int m = (int)c.shape[0], n = (int)c.shape[1], k = (int)(transposeA ? a.shape[0] : a.shape[1]);
        if (!Direct || a.stride(1) != 1 || b.stride(1) != 1 || c.stride(1) != 1)
        {
            using var opA = transposeA ? a.t() : a.alias();
            using var opB = transposeB ? b.t() : b.alias();
            c.addmm_(opA, opB, (float)beta, 1);
            return;
        }
        // Row-major C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ: pass B first, each with its own row length.
        byte tb = (byte)(transposeB ? 'T' : 'N'), ta = (byte)(transposeA ? 'T' : 'N');
        int ldb = (int)b.stride(0), lda = (int)a.stride(0), ldc = (int)c.stride(0);
        if (c.dtype == ScalarType.Float32)
        {
            float alpha = 1, beta32 = (float)beta;
            Sgemm(&tb, &ta, &n, &m, &k, &alpha, DataPointer<float>(b), &ldb, DataPointer<float>(a), &lda, &beta32, DataPointer<float>(c), &ldc);
        }
        else
        {
            double alpha = 1;
            Dgemm(&tb, &ta, &n, &m, &k, &alpha, DataPointer<double>(b), &ldb, DataPointer<double>(a), &lda, &beta, DataPointer<double>(c), &ldc);
        }
    }
}
