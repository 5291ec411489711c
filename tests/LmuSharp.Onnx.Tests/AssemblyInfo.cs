// TorchSharp's default generator is process-global: tests that seed it (manual_seed) and then draw
// random data or dropout masks are only repeatable if no other test draws from it meanwhile.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
