// The namespaces nearly every task, command and benchmark uses.
global using System.CommandLine;
global using System.Text.Json;
global using LmuSharp.Cli.Tasks;
global using LmuSharp.Cli.Training;
global using LmuSharp.Torch;
global using LmuSharp.Torch.Export;
global using LmuSharp.Torch.Training;
global using TorchSharp;
global using static TorchSharp.torch;
