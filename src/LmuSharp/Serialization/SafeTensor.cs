using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LmuSharp.Serialization;

/// <summary>One named entry of a safetensors file: element type, shape and raw little-endian bytes.</summary>
public sealed class SafeTensor
{
    readonly long[] _shape;

    /// <summary>Wraps raw little-endian element bytes (not copied).</summary>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The dimensions, each ≥ 0; empty for a scalar.</param>
    /// <param name="data">Exactly product(shape) × element size bytes.</param>
    /// <exception cref="ArgumentException">A dimension is negative or the byte count disagrees with the shape.</exception>
    public SafeTensor(SafeTensorDType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        _shape = [.. shape];
        long count = ElementCountOf(_shape) ?? throw new ArgumentException($"shape [{string.Join(", ", _shape)}] has a negative or overflowing dimension.", nameof(shape));
        long bytes = count * dtype.ElementSize();
        if (bytes != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", _shape)}] of {dtype.ToName()} needs {bytes} bytes, got {data.Length}.", nameof(data));
        DType = dtype;
        ElementCount = count;
        Data = data;
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values.</param>
    public static SafeTensor FromSingles(ReadOnlySpan<float> values, params long[] shape)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return new SafeTensor(SafeTensorDType.F32, shape, bytes);
    }

    /// <summary>The element type.</summary>
    public SafeTensorDType DType { get; }

    /// <summary>The dimensions (a copy).</summary>
    public long[] Shape => (long[])_shape.Clone();

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements, the product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The raw little-endian element bytes, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The elements of a float32 tensor, row-major.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public float[] ToSingles()
    {
        if (DType != SafeTensorDType.F32) throw new InvalidOperationException($"tensor has dtype {DType.ToName()}, expected F32.");
        var values = new float[ElementCount];
        if (BitConverter.IsLittleEndian) Data.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(Data.Span[(4 * i)..]);
        return values;
    }

    /// <summary>The product of the dimensions, or null if one is negative or it overflows.</summary>
    internal static long? ElementCountOf(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0) return null;
            try { count = checked(count * dimension); }
            catch (OverflowException) { return null; }
        }
        return count;
    }
}
