using TorchSharp;

namespace LmuSharp.Torch.Tests;

public class PackagingTests
{
    [Fact]
    public void Torch_library_references_torchsharp_but_no_native_backend_package()
    {
        var project = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "LmuSharp.Torch", "LmuSharp.Torch.csproj"));
        Assert.Contains("Include=\"TorchSharp\"", project);
        Assert.DoesNotContain("libtorch", project, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("TorchSharp-cpu", project, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Native_backend_loads_in_the_test_process()
    {
        using var x = torch.arange(6, dtype: torch.float64).reshape(2, 3);
        Assert.Equal(15.0, x.sum().item<double>());
    }

    static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LmuSharp.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("LmuSharp.slnx not found above the test directory.");
    }
}
