// The namespaces nearly every task and command uses.
global using LmuSharp.Cli.Training;
global using LmuSharp.Torch;
global using LmuSharp.Torch.Export;
global using TorchSharp;
global using static TorchSharp.torch;
