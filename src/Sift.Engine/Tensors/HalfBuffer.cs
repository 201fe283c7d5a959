using System.Runtime.InteropServices;

namespace Sift.Engine.Tensors;

/// <summary>
/// A 64-byte aligned block of native 16-bit values (bfloat16 or float16 bit patterns), zero-initialised: the
/// resident weights of a model kept in its stored 16-bit type.
/// </summary>
public sealed unsafe class HalfBuffer : IDisposable
{
    private ushort* _ptr;

    /// <summary>Allocates <paramref name="length"/> 16-bit elements, zeroed.</summary>
    public HalfBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        nuint bytes = (nuint)Math.Max(1, length) * sizeof(ushort);
        _ptr = (ushort*)NativePages.AllocZeroed(bytes);
    }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Pointer to the first element.</summary>
    public ushort* Ptr
    {
        get
        {
            ObjectDisposedException.ThrowIf(_ptr == null, this);
            return _ptr;
        }
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
