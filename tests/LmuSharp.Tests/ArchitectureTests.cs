using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using LmuSharp.Memory;

namespace LmuSharp.Tests;

public class ArchitectureTests
{
    static readonly Assembly Core = typeof(LegendreMemory).Assembly;

    [Fact]
    public void Core_library_references_only_the_framework_and_system_numerics_tensors()
    {
        var allowed = new[] { "System.", "Microsoft.Win32.Primitives", "netstandard", "mscorlib" };
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, r => r.Contains("Torch", StringComparison.OrdinalIgnoreCase));
        Assert.All(references, r => Assert.True(allowed.Any(r.StartsWith), $"unexpected reference {r}"));
    }

    [Fact]
    public void Core_library_calls_no_native_code()
    {
        // No P/Invoke: neither [DllImport] nor [LibraryImport] methods, read from the IL metadata.
        using var stream = File.OpenRead(Core.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var pinvokes = metadata.MethodDefinitions
            .Select(metadata.GetMethodDefinition)
            .Where(m => (m.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0)
            .Select(m => metadata.GetString(m.Name))
            .ToArray();
        Assert.Empty(pinvokes);
        Assert.Equal(0, metadata.GetTableRowCount(TableIndex.ModuleRef)); // no native module is named
    }
}
