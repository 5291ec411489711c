using System.Text.Json;

namespace LmuSharp.Cli.Tests;

public class CapacityCommandTests
{
    [Fact]
    public void Capacity_recalls_long_delays_and_writes_json_and_plots()
    {
        var dir = LmuProcess.TempDirectory();
        var run = LmuProcess.Run(dir, "capacity", "--delays", "100", "1000", "10000", "--json", "-o", "plots");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([100, 1000, 10000], results.Select(r => r.GetProperty("delay").GetInt32()));
        foreach (var r in results)
        {
            Assert.Equal((int)Math.Ceiling(2.5 * r.GetProperty("delay").GetInt32()), r.GetProperty("steps").GetInt32());
            // Order 100 at 10 cycles per window recalls to a few percent (measured 0.005–0.04 across seeds).
            Assert.InRange(r.GetProperty("nrmse").GetDouble(), 0, 0.08);
            var png = File.ReadAllBytes(Path.Combine(dir, "plots", $"capacity-delay-{r.GetProperty("delay").GetInt32()}.png"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
    }

    [Fact]
    public void Too_low_an_order_fails_to_recall()
    {
        // Ten cycles per window need an order of roughly 2π·10 ≈ 63; order 16 cannot hold them.
        var run = LmuProcess.Run(LmuProcess.TempDirectory(), "capacity", "--delays", "1000", "--order", "16", "--json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        Assert.True(doc.RootElement.GetProperty("results")[0].GetProperty("nrmse").GetDouble() > 0.3);
    }

    [Theory]
    [InlineData("--order", "0", "--order")]
    [InlineData("--discretizer", "rk4", "zoh, euler, bilinear")]
    [InlineData("--cycles", "80", "Nyquist")]
    public void Bad_options_give_one_clear_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var run = LmuProcess.Run(LmuProcess.TempDirectory(), "capacity", "--delays", "100", option, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr); // no stack trace without --verbose
    }

    [Fact]
    public void An_output_directory_that_cannot_be_created_is_reported()
    {
        var dir = LmuProcess.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "taken"), "a file, not a directory");
        var run = LmuProcess.Run(dir, "capacity", "--delays", "100", "-o", "taken/plots");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("lmu: error:", run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }
}
