using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu tasks`: the tasks, their model variants, defaults and published results.</summary>
static class TasksCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the list as JSON on stdout." };
        var command = new Command("tasks", "List the tasks, their default configurations and the published results to compare with.") { json };
        command.SetAction(parse =>
        {
            var rows = TaskRegistry.All.SelectMany(t => t.Models.Select(m => (Task: t, Config: t.Defaults(m), Published: t.Published(m)))).ToList();
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(rows.Select(r => new { task = r.Task.Name, summary = r.Task.Summary, metric = r.Task.Metric.Name, defaults = r.Config, published = r.Published }), JsonOptions.Compact));
                return 0;
            }
            var table = new Table().AddColumns("task", "model", "defaults", "published");
            foreach (var (task, c, published) in rows)
                table.AddRow(
                    $"[bold]{task.Name}[/]\n{Markup.Escape(task.Summary)}",
                    c.Model,
                    $"order {c.Order}, θ {c.Theta}, hidden {c.Hidden}\n{c.Epochs} epochs, batch {c.BatchSize}, lr {c.LearningRate} ({c.Schedule})",
                    published is null ? "-" : $"{task.Metric.Name} {published.Value}\n{Markup.Escape(published.Model)}\n{Markup.Escape(published.Source)}");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
