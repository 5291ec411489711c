using System.Text.Json;

namespace LmuSharp.Cli.Tests;

public class SpikingCommandTests
{
    [Fact]
    public void Spiking_sweeps_orders_and_neurons_and_writes_json_and_a_plot()
    {
        var dir = LmuProcess.TempDirectory();
        var run = LmuProcess.Run(dir, "spiking", "--orders", "2", "3", "--neurons", "100", "400", "1600", "--theta", "0.3",
            "--windows", "2", "--eval-points", "300", "--json", "-o", "plots");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal("poisson", root.GetProperty("neuron").GetString());
        var results = root.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal([2, 2, 2, 3, 3, 3], results.Select(r => r.GetProperty("order").GetInt32()));
        Assert.Equal([100, 400, 1600, 100, 400, 1600], results.Select(r => r.GetProperty("neurons").GetInt32()));
        foreach (var r in results)
        {
            Assert.True(r.GetProperty("nrmseVsExact").GetDouble() > 0);
            Assert.InRange(r.GetProperty("meanRate").GetDouble(), 1, 40);
        }
        // The static decoding error on the visited states: small, and smaller with 16× the neurons.
        foreach (var order in new[] { 2, 3 })
        {
            var staticErrors = results.Where(r => r.GetProperty("order").GetInt32() == order).Select(r => r.GetProperty("staticError").GetDouble()).ToArray();
            Assert.All(staticErrors, e => Assert.InRange(e, 1e-6, 0.2));
            Assert.True(staticErrors[^1] < staticErrors[0], $"d = {order}: static error {staticErrors[^1]} with 1600 neurons, {staticErrors[0]} with 100");
        }
        // More neurons, less error: the fitted slope in m is negative for every order.
        foreach (var s in root.GetProperty("slopes").EnumerateArray())
            Assert.InRange(s.GetProperty("slope").GetDouble(), -1.5, -0.1);
        var png = File.ReadAllBytes(Path.Combine(dir, "plots", "spiking-error-vs-neurons.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Theory]
    [InlineData("lif")]
    [InlineData("rate")]
    public void The_same_seed_gives_the_same_json_figures(string neuron)
    {
        string[] args = ["spiking", "--orders", "2", "--neurons", "200", "--theta", "0.2", "--windows", "2", "--neuron", neuron, "--json", "-o", "plots"];
        var a = LmuProcess.Run(LmuProcess.TempDirectory(), args);
        var b = LmuProcess.Run(LmuProcess.TempDirectory(), args);
        Assert.True(a.ExitCode == 0, a.Stderr);
        Assert.Equal(neuron, JsonDocument.Parse(a.Stdout).RootElement.GetProperty("neuron").GetString());
        static string Figures(string json) => JsonDocument.Parse(json).RootElement.GetProperty("results")[0].GetProperty("nrmseVsExact").GetRawText();
        Assert.Equal(Figures(a.Stdout), Figures(b.Stdout));
    }

    [Theory]
    [InlineData("--neurons", "2", "Neurons must be ≥ the order")]
    [InlineData("--tau", "0", "--tau must be finite and > 0")]
    [InlineData("--theta", "-1", "--theta must be finite and > 0")]
    [InlineData("--neuron", "izhikevich", "poisson, lif or rate")]
    [InlineData("--windows", "1", "--windows must be ≥ 1.5")]
    public void Bad_options_give_one_clear_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var run = LmuProcess.Run(LmuProcess.TempDirectory(), "spiking", "--orders", "3", "--neurons", "100", option, value);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
    }
}
