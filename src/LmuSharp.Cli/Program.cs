using LmuSharp.Cli;

return LmuApp.Run(args);
