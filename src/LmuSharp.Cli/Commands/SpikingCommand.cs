using LmuSharp.Cli.Experiments;
using LmuSharp.Cli.Output;
using LmuSharp.Spiking;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu spiking`: the Legendre memory as m spiking neurons; read-out error against m and d.</summary>
static class SpikingCommand
{
    public static Command Create()
    {
        var orders = new Option<int[]>("--orders") { Description = "Orders d of the Legendre memory.", DefaultValueFactory = _ => [3, 6, 12], AllowMultipleArgumentsPerToken = true };
        var neurons = new Option<int[]>("--neurons") { Description = "Numbers of neurons m.", DefaultValueFactory = _ => [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000], AllowMultipleArgumentsPerToken = true };
        var theta = new Option<double>("--theta") { Description = "Window θ (and read-out delay), in seconds.", DefaultValueFactory = _ => 1 };
        var dt = new Option<double>("--dt") { Description = "Simulation time step, in seconds.", DefaultValueFactory = _ => 0.001 };
        var tau = new Option<double>("--tau") { Description = "Time constant of the lowpass synapse, in seconds.", DefaultValueFactory = _ => 0.1 };
        var cycles = new Option<double>("--cycles") { Description = "Input bandwidth in cycles per window.", DefaultValueFactory = _ => 1 };
        var windows = new Option<double>("--windows") { Description = "Length of the input, in windows θ (scored after the first).", DefaultValueFactory = _ => 3 };
        var neuron = new Option<string>("--neuron") { Description = "poisson (LIF rates with Poisson spike times, as in the paper), lif (plain spiking LIF) or rate (LIF rates, no spikes: the static decoding error alone).", DefaultValueFactory = _ => "poisson" };
        var radius = new Option<double>("--radius") { Description = "Scale of the represented vector x_i = m_i/(√(2i+1)·radius); ‖x‖ ≈ the input's windowed RMS / radius.", DefaultValueFactory = _ => new SpikingMemoryOptions().Radius };
        var evalPoints = new Option<int>("--eval-points") { Description = "Sample points in the unit ball for the decoders' least squares.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Random seed of the network and the input signal.", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--output", "-o") { Description = "Directory for the PNG plot.", DefaultValueFactory = _ => Path.Combine("runs", "spiking") };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on stdout instead of a table." };
        orders.Validators.Add(r => { if (r.GetValueOrDefault<int[]>()?.Any(d => d < 1 || d > 64) ?? false) r.AddError("--orders must each lie in [1, 64]."); });
        neurons.Validators.Add(r => { if (r.GetValueOrDefault<int[]>()?.Any(m => m < 1 || m > 1_000_000) ?? false) r.AddError("--neurons must each lie in [1, 1000000]."); });
        foreach (var positive in new[] { theta, dt, tau, radius, cycles, windows })
            positive.Validators.Add(r => { var v = r.GetValueOrDefault<double>(); if (!(double.IsFinite(v) && v > 0)) r.AddError($"{positive.Name} must be finite and > 0, got {v}."); });
        windows.Validators.Add(r => { if (r.GetValueOrDefault<double>() < 1.5) r.AddError("--windows must be ≥ 1.5 (the first window is not scored)."); });

        var command = new Command("spiking", "Run the Legendre memory as m recurrently connected spiking LIF neurons (NEF) and measure how the delayed read-out's error falls with m (the paper's O(d/√m)).")
        {
            orders, neurons, theta, dt, tau, radius, cycles, windows, neuron, evalPoints, seed, output, json,
        };
        command.SetAction(parse => Execute(parse.GetValue(orders)!, parse.GetValue(neurons)!,
            new SpikingExperiment.Settings(parse.GetValue(theta), parse.GetValue(dt), parse.GetValue(tau), parse.GetValue(radius), parse.GetValue(cycles),
                parse.GetValue(windows), ParseNeuron(parse.GetValue(neuron)!), parse.GetValue(evalPoints), parse.GetValue(seed)),
            parse.GetValue(output)!, parse.GetValue(json)));
        return command;
    }

    static SpikingNeuron ParseNeuron(string name) => name.ToLowerInvariant() switch
    {
        "poisson" => SpikingNeuron.PoissonLif,
        "lif" => SpikingNeuron.Lif,
        "rate" => SpikingNeuron.LifRate,
        _ => throw new ArgumentException($"--neuron must be poisson, lif or rate, got '{name}'."),
    };

    static string NeuronName(SpikingNeuron neuron) => neuron switch
    {
        SpikingNeuron.PoissonLif => "poisson",
        SpikingNeuron.Lif => "lif",
        _ => "rate",
    };

    static int Execute(int[] orders, int[] neurons, SpikingExperiment.Settings settings, string output, bool json)
    {
        if (settings.Dt > settings.Theta) throw new ArgumentException($"--dt {settings.Dt} must not exceed --theta {settings.Theta}.");
        if (settings.CyclesPerWindow * settings.Dt / settings.Theta > 0.5)
            throw new ArgumentException($"--cycles {settings.CyclesPerWindow} over a window of {settings.Theta / settings.Dt:G4} steps exceeds the Nyquist limit of 0.5 cycles per step.");
        if (settings.Theta / settings.Dt > 1e6) throw new ArgumentException($"--theta / --dt = {settings.Theta / settings.Dt:G4} steps; at most 1,000,000 steps per window.");
        // Checked before any work, so a bad pair fails at once with the library's message.
        foreach (var d in orders)
            foreach (var m in neurons)
                new SpikingMemoryOptions { Order = d, Neurons = m, Theta = settings.Theta, Dt = settings.Dt, Tau = settings.Tau, Radius = settings.Radius, EvalPoints = settings.EvalPoints, Neuron = settings.Neuron }.Validate();

        var results = new List<SpikingExperiment.Result>();
        foreach (var d in orders.Distinct().Order())
            foreach (var m in neurons.Distinct().Order())
                results.Add(SpikingExperiment.Run(d, m, settings));

        var slopes = results.GroupBy(r => r.Order).Select(g => (Order: g.Key, Fit: g.Count() >= 2
            ? SpikingExperiment.LogLogFit(g.Select(r => (double)r.Neurons).ToList(), g.Select(r => r.NrmseVsExact).ToList())
            : (Slope: double.NaN, Intercept: double.NaN))).ToList();
        // Growth with d: the slope of log error against log d, per m, averaged over the m measured at every order.
        var shared = neurons.Distinct().Where(m => results.Count(r => r.Neurons == m) == orders.Distinct().Count()).ToList();
        double orderSlope = orders.Distinct().Count() >= 2 && shared.Count > 0
            ? shared.Average(m => SpikingExperiment.LogLogFit(results.Where(r => r.Neurons == m).Select(r => (double)r.Order).ToList(),
                results.Where(r => r.Neurons == m).Select(r => r.NrmseVsExact).ToList()).Slope)
            : double.NaN;
        // The guide c·d/√m with c fitted to all cells (geometric mean of error·√m/d).
        double c = Math.Exp(results.Average(r => Math.Log(r.NrmseVsExact * Math.Sqrt(r.Neurons) / r.Order)));

        var series = new List<LogLogChart.Series>();
        foreach (var g in results.GroupBy(r => r.Order))
        {
            var x = g.Select(r => (double)r.Neurons).ToArray();
            series.Add(new($"d = {g.Key}: spiking vs exact memory", x, g.Select(r => r.NrmseVsExact).ToArray()));
            series.Add(new($"{c:G2}·d/√m", x, x.Select(m => c * g.Key / Math.Sqrt(m)).ToArray(), Guide: true));
        }
        LogLogChart.Write(Path.Combine(output, "spiking-error-vs-neurons.png"),
            $"Spiking Legendre memory ({NeuronName(settings.Neuron)}): read-out at delay θ, NRMSE against m", "neurons m", "NRMSE", series);

        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                experiment = "spiking",
                neuron = NeuronName(settings.Neuron),
                settings,
                results,
                slopes = slopes.Select(s => new { order = s.Order, slope = Finite(s.Fit.Slope) }),
                orderSlope = Finite(orderSlope),
                guideConstant = c,
            }, JsonOptions.Compact));
            return 0;
        }
        var table = new Table().Title($"Spiking Legendre memory ({NeuronName(settings.Neuron)} neurons): θ = {settings.Theta} s, dt = {settings.Dt} s, τ = {settings.Tau} s, radius {settings.Radius}, {settings.CyclesPerWindow} cycles per window")
            .AddColumns("d", "m", "NRMSE vs exact memory", "NRMSE vs input", "exact memory vs input", "static decoding error", "‖x‖ > 1", "mean rate (Hz)", "build (s)", "total (s)");
        foreach (var r in results)
            table.AddRow($"{r.Order}", $"{r.Neurons:N0}", $"{r.NrmseVsExact:F4}", $"{r.Nrmse:F4}", $"{r.ExactNrmse:F4}", $"{r.StaticError:F4}", $"{r.OutsideBall:P1}",
                $"{r.MeanRate:F1}", $"{r.BuildSeconds:F2}", $"{r.Seconds:F2}");
        AnsiConsole.Write(table);
        foreach (var (order, fit) in slopes)
            AnsiConsole.MarkupLine($"d = {order}: log-log slope of the error in m = [bold]{fit.Slope:F3}[/] (claim: −0.5)");
        AnsiConsole.MarkupLine($"Growth with d: error ∝ d^[bold]{orderSlope:F2}[/] (claim: d^1); guide {c:G3}·d/√m");
        AnsiConsole.MarkupLine($"Plot: [blue]{Markup.Escape(Path.GetFullPath(Path.Combine(output, "spiking-error-vs-neurons.png")))}[/]");
        return 0;
    }

    static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
