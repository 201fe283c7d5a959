using System.Runtime.InteropServices;

namespace Sift.Engine.Tensors;

/// <summary>
/// A 64-byte aligned block of native floats, zero-initialised. Parameters, gradients, optimizer
/// moments and activations live in these (llm.c style): no GC pressure, no pinning, raw pointers in kernels.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    private float* _ptr;

    /// <summary>Allocates <paramref name="length"/> floats, zeroed.</summary>
    public NativeBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(float);
        _ptr = (float*)NativePages.AllocZeroed(bytes);
    }

    /// <summary>Number of floats.</summary>
    public long Length { get; }

    /// <summary>Pointer to the first element.</summary>
    public float* Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(_ptr == null, this);
            return _ptr;
        }
    }

    /// <summary>A span over [offset, offset+length).</summary>
    public Span<float> Slice(long offset, int length)
    {
        if ((ulong)offset + (ulong)length > (ulong)Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) is outside a buffer of {Length}");
        }
        return new Span<float>(Ptr + offset, length);
    }

    /// <summary>The whole buffer as a span (only when it fits in int).</summary>
    public Span<float> AsSpan() => Slice(0, checked((int)Length));

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => NativeMemory.Clear(Ptr, (nuint)Length * sizeof(float));

    /// <summary>Copies all values from another buffer of the same length.</summary>
    public void CopyFrom(NativeBuffer other)
    {
        if (other.Length != Length)
        {
            throw new ArgumentException($"length {other.Length} != {Length}", nameof(other));
        }
        Buffer.MemoryCopy(other.Ptr, Ptr, Length * sizeof(float), Length * sizeof(float));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ptr != null)
        {
            NativePages.Free(_ptr);
            _ptr = null;
        }
    }
}
