using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.LayerChecks;

namespace LmuSharp.Torch;

/// <summary>Argument checks run before any computation; messages name the argument and what was expected.</summary>
internal static class LmuChecks
{
    public static void Sequence(Tensor input, LmuState? state, Tensor? lengths, LmuOptions o, ScalarType parameterType)
    {
        if (input.dim() != 3)
            Fail("input", $"must have rank 3 [batch, time, inputSize = {o.InputSize}], got shape {Shape(input)}");
        if (input.size(2) != o.InputSize)
            Fail("input", $"must have inputSize = {o.InputSize} features in dimension 2, got shape {Shape(input)}");
        if (input.size(1) < 1 || input.size(0) < 1)
            Fail("input", $"must have at least one sequence and one time step, got shape {Shape(input)}");
        DType(input, parameterType);
        State(state, input, o);
        if (lengths is not null) Lengths(lengths, input.size(0), input.size(1));
    }

    public static void Step(Tensor input, LmuState? state, LmuOptions o, ScalarType parameterType)
    {
        if (input.dim() != 2 || input.size(1) != o.InputSize)
            Fail("input", $"must have shape [batch, inputSize = {o.InputSize}] for one step, got shape {Shape(input)}");
        DType(input, parameterType);
        State(state, input, o);
    }

    public static void Features(Tensor features, long width, ScalarType parameterType)
    {
        if (features.dim() != 2 || features.size(1) != width || features.size(0) < 1)
            Fail("features", $"must have shape [batch, {width}] as PrecomputeInput returns it, got shape {Shape(features)}");
        if (features.dtype != parameterType)
            Fail("features", $"must have the parameters' dtype {parameterType}, got {features.dtype}");
    }

    static void DType(Tensor input, ScalarType parameterType)
    {
        if (input.dtype != parameterType)
            Fail("input", $"must have the parameters' dtype {parameterType}, got {input.dtype} (convert the input or call module.to({input.dtype}))");
    }

    static void State(LmuState? state, Tensor input, LmuOptions o)
    {
        if (state is null) return;
        long n = input.size(0);
        Expect(state.Memory, [n, o.MemoryD, o.Order], "state.Memory", input);
        if (o.Hidden == HiddenCell.None) return;
        if (state.Hidden is null) Fail("state", $"must carry Hidden [batch, {o.HiddenSize}] for a {o.Hidden} hidden cell");
        Expect(state.Hidden!, [n, o.HiddenSize], "state.Hidden", input);
        if (o.Hidden == HiddenCell.Lstm)
        {
            if (state.Cell is null) Fail("state", $"must carry Cell [batch, {o.HiddenSize}] for an Lstm hidden cell");
            Expect(state.Cell!, [n, o.HiddenSize], "state.Cell", input);
        }
    }

    static void Expect(Tensor t, long[] shape, string name, Tensor input)
    {
        if (!t.shape.SequenceEqual(shape)) Fail(name, $"must have shape [{string.Join(", ", shape)}], got {Shape(t)}");
        SameKind(t, input, name, "the input");
    }

    static void Lengths(Tensor lengths, long batch, long time)
    {
        if (lengths.dim() != 1 || lengths.size(0) != batch)
            Fail("lengths", $"must have shape [batch = {batch}], got {Shape(lengths)}");
        if (lengths.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            Fail("lengths", $"must have an integer dtype, got {lengths.dtype}");
        using var l = lengths.to(ScalarType.Int64).cpu();
        long min = l.min().item<long>(), max = l.max().item<long>();
        if (min < 1 || max > time) Fail("lengths", $"values must lie in [1, time = {time}], got min {min}, max {max}");
    }

    static void Fail(string parameter, string message) => throw new ArgumentException($"{parameter} {message}.", parameter);
}
