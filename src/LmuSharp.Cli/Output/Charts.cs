using LmuSharp.IO;
using ScottPlot;

namespace LmuSharp.Cli.Output;

/// <summary>PNG charts (ScottPlot), written atomically.</summary>
static class Charts
{
    /// <summary>One chart with several named line series over a shared x axis.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string Name, double[] X, double[] Y)> series, bool logY = false, int width = 1000, int height = 450, bool markers = false)
    {
        var plot = new Plot();
        foreach (var (name, x, y) in series)
        {
            var values = logY ? y.Select(Math.Log10).ToArray() : y;
            var line = markers ? plot.Add.Scatter(x, values) : plot.Add.ScatterLine(x, values);
            line.LegendText = name;
        }
        if (logY)
        {
            var ticks = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => $"1e{v:0}" };
            plot.Axes.Left.TickGenerator = ticks;
        }
        Save(plot, path, title, xLabel, yLabel, width, height);
    }

    /// <summary>Titles and labels <paramref name="plot"/>, shows its legend and writes it as a PNG, atomically.</summary>
    public static void Save(Plot plot, string path, string title, string xLabel, string yLabel, int width, int height)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend();
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
