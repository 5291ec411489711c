using LmuSharp.IO;
using ScottPlot;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>One PNG bar chart per table (ScottPlot), written atomically: a cluster of bars per row group, one colour per row label.</summary>
static class BenchChart
{
    public static void Write(string path, BenchTable table, string machine)
    {
        var column = table.Columns.First(c => c.Key == table.ChartColumn);
        var values = table.Column(column.Key);
        var groups = table.Rows.Select(r => r.Group).Distinct().ToList();
        var labels = table.Rows.Where((r, i) => values[i] is not null).Select(r => r.Label).Distinct().ToList();
        var present = values.OfType<double>().Where(v => v > 0).ToList();
        // On a log axis the bars start one decade below the smallest value, so every bar is visible.
        double floor = table.ChartLog && present.Count > 0 ? Math.Floor(Math.Log10(present.Min())) - 1 : 0;

        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (var group in groups)
        {
            // The group's charted rows side by side around the group's position; colour by label across groups.
            var members = table.Rows.Select((row, i) => (row, i)).Where(p => p.row.Group == group && values[p.i] is double v && (!table.ChartLog || v > 0)).ToList();
            double width = 0.8 / Math.Max(1, members.Count);
            foreach (var ((row, i), k) in members.Select((m, k) => (m, k)))
                plot.Add.Bar(new Bar
                {
                    Position = groups.IndexOf(group) + (k - (members.Count - 1) / 2.0) * width,
                    Value = table.ChartLog ? Math.Log10(values[i]!.Value) : values[i]!.Value,
                    ValueBase = floor,
                    Size = width * 0.9,
                    FillColor = palette.GetColor(labels.IndexOf(row.Label)),
                });
        }
        foreach (var (label, l) in labels.Select((label, l) => (label, l)))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = palette.GetColor(l) });
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(g => (double)g).ToArray(), groups.ToArray());
        if (table.ChartLog && present.Count > 0)
        {
            var decades = Enumerable.Range((int)floor, (int)Math.Ceiling(Math.Log10(present.Max())) - (int)floor + 1).Select(d => (double)d).ToArray();
            plot.Axes.Left.SetTicks(decades, decades.Select(d => $"1e{d:0}").ToArray());
        }
        plot.Title($"lmu bench {table.Name}\n{machine}");
        plot.YLabel(column.Header + (table.ChartLog ? " (log scale)" : ""));
        plot.ShowLegend(Edge.Right);
        var bytes = plot.GetImageBytes(1000, 500, ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
