namespace LmuSharp.Cli.Tasks;

/// <summary>A task model whose export carries more metadata than its layers (e.g. a keyword model's frontend, labels and int8 scales).</summary>
interface IExportMetadata
{
    /// <summary>String pairs added to the export's <c>__metadata__</c>.</summary>
    IReadOnlyDictionary<string, string> ExportMetadata();
}
