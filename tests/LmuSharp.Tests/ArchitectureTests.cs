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
    public void Core_library_references_only_the_framework_system_numerics_tensors_and_managed_audio_packages()
    {
        // NAudio.Core reads WAV files, NWaves computes the audio features: both managed (checked below).
        var allowed = new[] { "System.", "Microsoft.Win32.Primitives", "netstandard", "mscorlib", "NAudio.Core", "NWaves" };
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, r => r.Contains("Torch", StringComparison.OrdinalIgnoreCase));
        Assert.All(references, r => Assert.True(allowed.Any(r.StartsWith), $"unexpected reference {r}"));
    }

    [Fact]
    public void Core_library_calls_no_native_code()
    {
        Assert.Empty(PInvokes(Core));
        using (var pe = new PEReader(File.OpenRead(Core.Location)))
            Assert.Equal(0, pe.GetMetadataReader().GetTableRowCount(TableIndex.ModuleRef)); // no native module is named
        Assert.Empty(PInvokes(typeof(NAudio.Wave.WaveFileReader).Assembly));
        // NWaves' only native calls are its Windows MCI (winmm) audio player, which LmuSharp never uses.
        Assert.Subset(new HashSet<string> { "SendString", "GetErrorString", "Execute" }, PInvokes(typeof(NWaves.Transforms.RealFft).Assembly).ToHashSet());
    }

    static string[] PInvokes(Assembly assembly)
    {
        // P/Invoke methods ([DllImport] or [LibraryImport]), read from the IL metadata.
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        return metadata.MethodDefinitions
            .Select(metadata.GetMethodDefinition)
            .Where(m => (m.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0)
            .Select(m => metadata.GetString(m.Name))
            .ToArray();
    }
}
