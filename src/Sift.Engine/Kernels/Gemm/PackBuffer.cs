using System.Runtime.InteropServices;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// A grow-only, 64-byte-aligned native float buffer cached per thread, so steady-state GEMM calls allocate
/// nothing. The finalizer frees the memory when its thread dies.
/// </summary>
internal sealed unsafe class PackBuffer
{
    [ThreadStatic] private static PackBuffer? t_a;
    [ThreadStatic] private static PackBuffer? t_b;

    private float* _data;
    private nuint _capacity;
    private bool _inUse;

    /// <summary>The calling thread's A-panel buffer (or a private one if it is already in use).</summary>
    public static Lease RentA(nuint floats) => Rent(ref t_a, floats);

    /// <summary>The calling thread's B-panel buffer (or a private one if it is already in use).</summary>
    public static Lease RentB(nuint floats) => Rent(ref t_b, floats);

    private static Lease Rent(ref PackBuffer? slot, nuint floats)
    {
        slot ??= new PackBuffer();
        // Re-entrancy on one thread (never expected, but cheap to survive): use a private buffer.
        PackBuffer buffer = slot._inUse ? new PackBuffer() : slot;
        buffer.Ensure(floats);
        buffer._inUse = true;
        return new Lease(buffer, owned: !ReferenceEquals(buffer, slot));
    }

    private void Ensure(nuint floats)
    {
        if (floats <= _capacity)
        {
            return;
        }
        Free();
        _data = (float*)NativeMemory.AlignedAlloc(floats * sizeof(float), 64);
        _capacity = floats;
    }

    private void Free()
    {
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
            _capacity = 0;
        }
    }

    ~PackBuffer() => Free();

    /// <summary>Scoped use of a buffer; Dispose returns it (or frees a private one).</summary>
    public readonly ref struct Lease
    {
        private readonly PackBuffer _buffer;
        private readonly bool _owned;

        internal Lease(PackBuffer buffer, bool owned)
        {
            _buffer = buffer;
            _owned = owned;
        }

        public float* Data => _buffer._data;

        public void Dispose()
        {
            _buffer._inUse = false;
            if (_owned)
            {
                _buffer.Free();
                GC.SuppressFinalize(_buffer);
            }
        }
    }
}
