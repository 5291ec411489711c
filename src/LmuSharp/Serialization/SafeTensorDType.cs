namespace LmuSharp.Serialization;

/// <summary>The element types of the safetensors format, named as in its JSON header.</summary>
public enum SafeTensorDType
{
    /// <summary>Boolean, one byte.</summary>
    Bool,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>8-bit float, 5 exponent bits and 2 mantissa bits.</summary>
    F8_E5M2,
    /// <summary>8-bit float, 4 exponent bits and 3 mantissa bits.</summary>
    F8_E4M3,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE half precision.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE single precision (float32).</summary>
    F32,
    /// <summary>IEEE double precision (float64).</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Sizes and header names of <see cref="SafeTensorDType"/> values.</summary>
public static class SafeTensorDTypes
{
    /// <summary>The size of one element in bytes.</summary>
    /// <param name="dtype">A defined element type.</param>
    public static int ElementSize(this SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.Bool or SafeTensorDType.U8 or SafeTensorDType.I8 or SafeTensorDType.F8_E5M2 or SafeTensorDType.F8_E4M3 => 1,
        SafeTensorDType.I16 or SafeTensorDType.U16 or SafeTensorDType.F16 or SafeTensorDType.BF16 => 2,
        SafeTensorDType.I32 or SafeTensorDType.U32 or SafeTensorDType.F32 => 4,
        SafeTensorDType.F64 or SafeTensorDType.I64 or SafeTensorDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors element type."),
    };

    /// <summary>The name used in the JSON header (<c>F32</c>, <c>BOOL</c>, …).</summary>
    /// <param name="dtype">A defined element type.</param>
    public static string ToName(this SafeTensorDType dtype) =>
        dtype == SafeTensorDType.Bool ? "BOOL"
        : Enum.IsDefined(dtype) ? dtype.ToString()
        : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors element type.");

    /// <summary>Parses a header dtype name exactly as the format spells it (upper case).</summary>
    internal static bool TryParse(string name, out SafeTensorDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafeTensorDType>())
        {
            if (candidate.ToName() == name) { dtype = candidate; return true; }
        }
        dtype = default;
        return false;
    }
}
