using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>The machine the figures were measured on (every ratio is only meaningful next to it).</summary>
/// <param name="Cores">Logical processors visible to the process.</param>
/// <param name="Cpu">CPU model name (Linux /proc/cpuinfo; the architecture elsewhere).</param>
/// <param name="Os">Operating system description.</param>
/// <param name="DotNet">.NET runtime description.</param>
/// <param name="TorchThreads">TorchSharp intra-op threads used for the TorchSharp measurements.</param>
/// <param name="Simd">Widest accelerated vector width.</param>
sealed record Machine(int Cores, string Cpu, string Os, string DotNet, int TorchThreads, string Simd)
{
    /// <summary>Describes this machine and process.</summary>
    public static Machine Describe() => new(
        Environment.ProcessorCount, CpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        torch.get_num_threads(), Vector512.IsHardwareAccelerated ? "512-bit" : Vector256.IsHardwareAccelerated ? "256-bit" : "128-bit");

    /// <summary>One line for the table captions.</summary>
    public override string ToString() => $"{Cores} cores, {Cpu}, {DotNet}, {Simd} SIMD, TorchSharp threads {TorchThreads}";

    static string CpuModel()
    {
        const string cpuinfo = "/proc/cpuinfo";
        var line = File.Exists(cpuinfo) ? File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
