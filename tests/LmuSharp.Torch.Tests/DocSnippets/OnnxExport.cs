using LmuSharp.Onnx;

namespace DocSnippets;

// docs/ONNX.md, the API. Stand-in: psmnist.safetensors in the current directory.
static class OnnxExportSnippet
{
    public static void Run()
    {
        // snippet: onnx-export
        var export = OnnxExport.Load("psmnist.safetensors");       // or new OnnxExport(modelExport.ToSafeTensors())
        export.Write("psmnist.onnx", OnnxGraph.Step);              // streaming step, state as inputs/outputs
        export.Write("psmnist.sequence.onnx", OnnxGraph.Sequence); // whole sequence
        TritonRepository.Write(export, "models", "psmnist");       // models/psmnist/config.pbtxt, models/psmnist/1/model.onnx
        // end snippet
    }
}
