using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sift.Engine.IO;
using Sift.Engine.Model;

namespace Sift.Engine.Kernels;

/// <summary>One 16-bit float encoding widened to float32, as a type argument so kernels specialise per format.</summary>
public unsafe interface IWiden
{
    /// <summary>Eight consecutive values widened (requires AVX2; callers check <see cref="Widen.Vectorised"/>).</summary>
    static abstract Vector256<float> Load8(ushort* p);

    /// <summary>Sixteen consecutive values widened (AVX-512 where accelerated, else the same operations in software).</summary>
    static abstract Vector512<float> Load16(ushort* p);

    /// <summary>One value widened.</summary>
    static abstract float Scalar(ushort bits);
}

/// <summary>bfloat16: the 16 bits are the upper half of a float32 (exact).</summary>
public readonly struct Bf16 : IWiden
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load8(ushort* p) => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(p), 16).AsSingle();

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* p) => Vector512.ShiftLeft(Widen.Load16(p), 16).AsSingle();

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}

/// <summary>IEEE float16 (exact): exponent and mantissa moved into float32 position and rescaled by 2^112, which also
/// turns subnormals into the right normal floats; Inf/NaN get the all-ones exponent; the sign is or-ed back.</summary>
public readonly struct F16 : IWiden
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> Load8(ushort* p)
    {
        var h = Avx2.ConvertToVector256Int32(p);
        var em = Avx2.ShiftLeftLogical(Avx2.And(h, Vector256.Create(0x7fff)), 13);
        var scaled = Avx.Multiply(em.AsSingle(), Vector256.Create(0x77800000u).AsSingle()); // × 2^112
        var infNan = Avx2.CompareEqual(Avx2.And(h, Vector256.Create(0x7c00)), Vector256.Create(0x7c00));
        var special = Avx2.Or(em, Vector256.Create(0x7f800000)).AsSingle();
        var magnitude = Avx.BlendVariable(scaled, special, infNan.AsSingle());
        var sign = Avx2.ShiftLeftLogical(Avx2.And(h, Vector256.Create(0x8000)), 16);
        return Avx.Or(magnitude, sign.AsSingle());
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* p)
    {
        var h = Widen.Load16(p);
        var em = Vector512.ShiftLeft(h & Vector512.Create(0x7fffu), 13);
        var scaled = em.AsSingle() * Vector512.Create(0x77800000u).AsSingle(); // × 2^112
        var infNan = Vector512.Equals(h & Vector512.Create(0x7c00u), Vector512.Create(0x7c00u));
        var magnitude = Vector512.ConditionalSelect(infNan, em | Vector512.Create(0x7f800000u), scaled.AsUInt32());
        return (magnitude | Vector512.ShiftLeft(h & Vector512.Create(0x8000u), 16)).AsSingle();
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);
}

/// <summary>Bulk widening of 16-bit weights into float32.</summary>
public static unsafe class Widen
{
    /// <summary>True when the 8-lane <see cref="IWiden.Load8"/> paths run (AVX2).</summary>
    public static bool Vectorised => Avx2.IsSupported;

    /// <summary>Sixteen 16-bit values zero-extended to 32 bits (one vpmovzxwd with AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Load16(ushort* p)
    {
        if (Avx512F.IsSupported)
        {
            return Avx512F.ConvertToVector512UInt32(Vector256.Load(p));
        }
        var (lo, hi) = Vector256.Widen(Vector256.Load(p));
        return Vector512.Create(lo, hi);
    }

    /// <summary>dst[0..n) = widen(src[0..n)) in <paramref name="format"/> (BF16 or F16).</summary>
    public static void Row(ushort* src, float* dst, long n, WeightFormat format)
    {
        var dtype = format.ToDType();
        if (dtype == SafeTensorsDType.F32)
        {
            throw new ArgumentException("Widen.Row takes a 16-bit format", nameof(format));
        }
        while (n > 0)
        {
            int chunk = (int)Math.Min(n, 1 << 20);
            if (format == WeightFormat.BF16)
            {
                FloatConversions.Bf16ToF32(new ReadOnlySpan<ushort>(src, chunk), new Span<float>(dst, chunk));
            }
            else
            {
                FloatConversions.F16ToF32(new ReadOnlySpan<Half>(src, chunk), new Span<float>(dst, chunk));
            }
            src += chunk;
            dst += chunk;
            n -= chunk;
        }
    }
}
