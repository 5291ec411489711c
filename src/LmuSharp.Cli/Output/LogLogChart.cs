using ScottPlot;

namespace LmuSharp.Cli.Output;

/// <summary>PNG charts with both axes logarithmic (ScottPlot), written atomically.</summary>
static class LogLogChart
{
    /// <summary>One series: markers and a line for measurements, a dashed line alone for guides.</summary>
    public sealed record Series(string Name, double[] X, double[] Y, bool Guide = false);

    /// <summary>Plots log10 of both coordinates and labels the ticks as powers of ten.</summary>
    public static void Write(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, int width = 1000, int height = 600)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (var s in series)
        {
            var line = plot.Add.ScatterLine(s.X.Select(Math.Log10).ToArray(), s.Y.Select(Math.Log10).ToArray());
            line.LegendText = s.Name;
            line.Color = palette.GetColor(s.Guide ? colour - 1 : colour++);
            if (s.Guide) line.LinePattern = LinePattern.Dashed;
            else line.MarkerSize = 7;
        }
        // Major ticks at whole decades, labelled with their value; minor ticks at 2…9 times a decade.
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Left, plot.Axes.Bottom })
            axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = v => Math.Pow(10, v) is var value && value >= 1 ? $"{value:N0}" : $"{value:G3}",
            };
        plot.Legend.Alignment = Alignment.UpperRight;
        Charts.Save(plot, path, title, xLabel, yLabel, width, height);
    }
}
