using LmuSharp.Cli;

NativeHeap.KeepFreedMemory();
return LmuApp.Run(args);
