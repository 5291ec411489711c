using LmuSharp.Torch.Training;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests.Training;

/// <summary><see cref="CpuBlas"/>: its products are libtorch's <c>mm</c>, whether sgemm is called directly or <c>addmm_</c> takes them.</summary>
public class CpuBlasTests
{
    /// <summary>op(a) op(b) by libtorch, a new tensor.</summary>
    static Tensor Expected(Tensor a, Tensor b, bool transposeA, bool transposeB) =>
        mm(transposeA ? a.t() : a, transposeB ? b.t() : b);

    static void AssertClose(Tensor expected, Tensor actual)
    {
        double scale = Math.Max(1, expected.abs().max().to_type(ScalarType.Float64).item<double>());
        double error = (expected - actual).abs().max().to_type(ScalarType.Float64).item<double>();
        Assert.True(error <= 1e-6 * scale, $"the product differs by {error} (scale {scale})");
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Products_of_matrices_and_of_column_slices_equal_libtorchs(bool transposeA, bool transposeB)
    {
        var generator = new TorchSharp.torch.Generator(5);
        // Stored shapes: op(a) is [7, 9], op(b) is [9, 6]; the views are column slices of wider matrices, so that each leading
        // dimension exceeds its row length.
        var a = rand(transposeA ? new long[] { 9, 11 } : [7, 13], generator: generator).narrow(1, 2, transposeA ? 7 : 9);
        var b = rand(transposeB ? new long[] { 6, 12 } : [9, 10], generator: generator).narrow(1, 1, transposeB ? 9 : 6);
        var c = full(7, 8, float.NaN).narrow(1, 1, 6); // β = 0: the old values, here NaN, must not be read
        CpuBlas.Product(c, a, b, transposeA, transposeB);
        AssertClose(Expected(a, b, transposeA, transposeB), c);
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
            Assert.True(CpuBlas.CallsSgemm, "libtorch's Linux x64 build has MKL's sgemm: the direct path must have run");
    }

    [Fact]
    public void The_columns_beside_a_sliced_output_are_left_as_they_were()
    {
        var whole = full(4, 10, -1f);
        using var c = whole.narrow(1, 3, 5);
        CpuBlas.Product(c, ones(4, 2), ones(2, 5), transposeA: false, transposeB: false);
        Assert.True(whole.narrow(1, 3, 5).eq(2).all().item<bool>());
        Assert.True(whole.narrow(1, 0, 3).eq(-1).all().item<bool>());
        Assert.True(whole.narrow(1, 8, 2).eq(-1).all().item<bool>());
    }

    [Fact]
    public void What_sgemm_cannot_take_goes_to_addmm_with_the_same_result()
    {
        var a64 = rand(5, 4, ScalarType.Float64);
        var b64 = rand(4, 3, ScalarType.Float64);
        var c64 = empty(5, 3, ScalarType.Float64);
        CpuBlas.Product(c64, a64, b64, transposeA: false, transposeB: false);
        AssertClose(mm(a64, b64), c64);

        var row = rand(1, 4).expand(5, 4); // every row one storage row: a leading dimension of 0
        var b = rand(4, 3);
        var c = empty(5, 3);
        CpuBlas.Product(c, row, b, transposeA: false, transposeB: false);
        AssertClose(mm(row, b), c);

        var empty0 = empty(0, 4);
        var none = empty(0, 3);
        CpuBlas.Product(none, empty0, b, transposeA: false, transposeB: false); // nothing to compute, nothing thrown
        Assert.Equal(0, none.numel());
    }
}
