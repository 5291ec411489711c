namespace LmuSharp.Cli.Tasks;

/// <summary>A task model that the streaming runtime can run: it describes itself as a layer stack.</summary>
interface IExportable
{
    /// <summary>The model as an export (layers input first).</summary>
    ModelExport ToExport();
}
