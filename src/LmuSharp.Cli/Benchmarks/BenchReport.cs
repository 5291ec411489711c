using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>The `lmu bench` tables as Spectre.Console tables and as one JSON document.</summary>
static class BenchReport
{
    /// <summary>Prints one table, its setup and its findings.</summary>
    public static void Write(BenchTable table)
    {
        var grid = new Table().Title($"[bold]{Markup.Escape(table.Name)}[/]: {Markup.Escape(table.Title)}")
            .Caption(Markup.Escape(table.Setup)).AddColumn("").AddColumn("");
        foreach (var column in table.Columns) grid.AddColumn(new TableColumn(Markup.Escape(column.Header)).RightAligned());
        for (int r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            string group = r > 0 && table.Rows[r - 1].Group == row.Group ? "" : row.Group; // each group named once
            grid.AddRow([Markup.Escape(group), Markup.Escape(row.Label), .. row.Values.Select((v, i) => Format(v, table.Columns[i].Format))]);
        }
        AnsiConsole.Write(grid);
        foreach (var f in table.Findings)
        {
            string verdict = f.Met switch { true => "[green]met[/]", false => "[red]not met[/]", null => "not judged" };
            string bar = f.Bar.Length == 0 ? "" : $" (bar {Markup.Escape(f.Bar)}: {verdict})"; // a figure reported beside the bars
            AnsiConsole.MarkupLine($"  {Markup.Escape(f.Text)}: [bold]{f.Value.ToString("F1", CultureInfo.InvariantCulture)}{f.Unit}[/]{bar}");
        }
        AnsiConsole.WriteLine();
    }

    /// <summary>All tables and the machine as one JSON document (numbers are plain doubles; a missing value is null).</summary>
    public static string Json(Machine machine, bool quick, IEnumerable<BenchTable> tables)
    {
        var document = new JsonObject
        {
            ["command"] = "lmu bench",
            ["profile"] = quick ? "quick" : "full",
            ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["machine"] = JsonSerializer.SerializeToNode(machine, JsonOptions),
            ["tables"] = new JsonArray(tables.Select(Table).ToArray<JsonNode?>()),
        };
        return document.ToJsonString(JsonOptions);
    }

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    static JsonObject Table(BenchTable table)
    {
        var rows = new JsonArray();
        foreach (var row in table.Rows)
        {
            var o = new JsonObject { ["group"] = row.Group, ["label"] = row.Label };
            for (int i = 0; i < table.Columns.Count; i++) o[table.Columns[i].Key] = row.Values[i];
            rows.Add(o);
        }
        var findings = new JsonArray(table.Findings.Select(f => (JsonNode?)new JsonObject
        {
            ["key"] = f.Key, ["text"] = f.Text, ["value"] = f.Value, ["unit"] = f.Unit, ["bar"] = f.Bar, ["met"] = f.Met,
        }).ToArray());
        return new JsonObject { ["name"] = table.Name, ["title"] = table.Title, ["setup"] = table.Setup, ["rows"] = rows, ["findings"] = findings };
    }

    static string Format(double? value, string format) => value is double v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
}
