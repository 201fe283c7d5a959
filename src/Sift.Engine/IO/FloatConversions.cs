using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sift.Engine.IO;

/// <summary>
/// Conversions between float32 and the 16-bit float formats stored in safetensors files.
/// Each vectorised kernel has a scalar reference (…Scalar) that tests compare it against.
/// </summary>
internal static class FloatConversions
{
    /// <summary>Element count above which conversions are split over threads.</summary>
    private const long ParallelThreshold = 1 << 20;

    /// <summary>Elements per parallel chunk (4 MB of float output).</summary>
    private const int ChunkElements = 1 << 20;

    // ---- scalar references -------------------------------------------------------------

    /// <summary>bfloat16 → float32: the 16 bits become the upper half of the float (exact).</summary>
    public static float Bf16ToF32Scalar(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// float32 → bfloat16 rounding to nearest, ties to even. NaN stays NaN (quiet bit forced on,
    /// because plain truncation of a NaN whose payload is only in the low 16 bits would give Inf).
    /// Overflow rounds to ±Inf, as IEEE rounding does.
    /// </summary>
    public static ushort F32ToBf16Scalar(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((bits >> 16) | 0x0040u);
        }

        uint bias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + bias) >> 16);
    }

    // ---- vectorised kernels (single chunk) ---------------------------------------------

    /// <summary>dst[i] = bf16(src[i]) widened; src.Length == dst.Length.</summary>
    public static void Bf16ToF32(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        if (src.Length != dst.Length)
        {
            throw new ArgumentException("source and destination lengths differ");
        }

        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref uint d = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(dst));
        int n = src.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // One Vector<ushort> (2W lanes) widens into two Vector<uint> (W lanes each).
            int step = Vector<ushort>.Count;
            for (; i <= n - step; i += step)
            {
                Vector.Widen(Vector.LoadUnsafe(ref s, (nuint)i), out Vector<uint> lo, out Vector<uint> hi);
                Vector.ShiftLeft(lo, 16).StoreUnsafe(ref d, (nuint)i);
                Vector.ShiftLeft(hi, 16).StoreUnsafe(ref d, (nuint)(i + Vector<uint>.Count));
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = (uint)Unsafe.Add(ref s, i) << 16;
        }
    }

    /// <summary>dst[i] = F32ToBf16Scalar(src[i]), vectorised.</summary>
    public static void F32ToBf16(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (src.Length != dst.Length)
        {
            throw new ArgumentException("source and destination lengths differ");
        }

        ref uint s = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(src));
        ref ushort d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Two Vector<uint> (W lanes each) round and narrow into one Vector<ushort>.
            int w = Vector<uint>.Count;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                Vector<uint> a = RoundToBf16(Vector.LoadUnsafe(ref s, (nuint)i));
                Vector<uint> b = RoundToBf16(Vector.LoadUnsafe(ref s, (nuint)(i + w)));
                Vector.Narrow(a, b).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref d, i) = F32ToBf16Scalar(BitConverter.UInt32BitsToSingle(Unsafe.Add(ref s, i)));
        }
    }

    /// <summary>Lane-wise F32ToBf16Scalar; result in the low 16 bits of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundToBf16(Vector<uint> bits)
    {
        Vector<uint> upper = Vector.ShiftRightLogical(bits, 16);
        Vector<uint> bias = new Vector<uint>(0x7FFFu) + (upper & Vector<uint>.One);
        Vector<uint> rounded = Vector.ShiftRightLogical(bits + bias, 16);
        Vector<uint> quietNaN = upper | new Vector<uint>(0x0040u);
        Vector<uint> isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFF_FFFFu), new Vector<uint>(0x7F80_0000u));
        return Vector.ConditionalSelect(isNaN, quietNaN, rounded);
    }

    /// <summary>float16 → float32 (exact), vectorised by TensorPrimitives.</summary>
    public static void F16ToF32(ReadOnlySpan<Half> src, Span<float> dst) => TensorPrimitives.ConvertToSingle(src, dst);

    /// <summary>float32 → float16, round to nearest even (same result as the (Half) cast).</summary>
    public static void F32ToF16(ReadOnlySpan<float> src, Span<Half> dst) => TensorPrimitives.ConvertToHalf(src, dst);

    /// <summary>float64 → float32, round to nearest even.</summary>
    public static void F64ToF32(ReadOnlySpan<double> src, Span<float> dst)
    {
        if (src.Length != dst.Length)
        {
            throw new ArgumentException("source and destination lengths differ");
        }

        for (int i = 0; i < src.Length; i++)
        {
            dst[i] = (float)src[i];
        }
    }

    // ---- whole-tensor driver ------------------------------------------------------------

    /// <summary>
    /// Converts <paramref name="count"/> elements of <paramref name="dtype"/> at <paramref name="src"/>
    /// (any alignment) into float32 at <paramref name="dst"/>. Large tensors are split into chunks
    /// converted in parallel: the loop is memory-bound and one core does not saturate bandwidth.
    /// </summary>
    public static unsafe void ToFloat32(SafeTensorsDType dtype, byte* src, float* dst, long count)
    {
        int size = dtype.ElementSize();
        if (count <= ParallelThreshold)
        {
            ConvertChunk(dtype, src, dst, (int)count);
            return;
        }

        long chunks = (count + ChunkElements - 1) / ChunkElements;
        nint srcAddr = (nint)src;
        nint dstAddr = (nint)dst;
        Parallel.For(0L, chunks, c =>
        {
            long start = c * ChunkElements;
            int n = (int)Math.Min(ChunkElements, count - start);
            ConvertChunk(dtype, (byte*)srcAddr + start * size, (float*)dstAddr + start, n);
        });
    }

    private static unsafe void ConvertChunk(SafeTensorsDType dtype, byte* src, float* dst, int n)
    {
        var d = new Span<float>(dst, n);
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                new ReadOnlySpan<float>(src, n).CopyTo(d);
                break;
            case SafeTensorsDType.BF16:
                Bf16ToF32(new ReadOnlySpan<ushort>(src, n), d);
                break;
            case SafeTensorsDType.F16:
                F16ToF32(new ReadOnlySpan<Half>(src, n), d);
                break;
            case SafeTensorsDType.F64:
                F64ToF32(new ReadOnlySpan<double>(src, n), d);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating-point dtype");
        }
    }

    /// <summary>Encodes float32 values as <paramref name="dtype"/> (F32, F16 or BF16) little-endian bytes.</summary>
    public static void FromFloat32(SafeTensorsDType dtype, ReadOnlySpan<float> src, Span<byte> dst)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                MemoryMarshal.AsBytes(src).CopyTo(dst);
                break;
            case SafeTensorsDType.BF16:
                F32ToBf16(src, MemoryMarshal.Cast<byte, ushort>(dst[..(src.Length * 2)]));
                break;
            case SafeTensorsDType.F16:
                F32ToF16(src, MemoryMarshal.Cast<byte, Half>(dst[..(src.Length * 2)]));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "writer supports F32, F16 and BF16 only");
        }
    }
}
