using Sift.Engine.IO;
using Sift.Engine.Kernels.Bf16Mixed;
using Xunit.Abstractions;

namespace Sift.Engine.Tests.Kernels.Bf16Mixed;

/// <summary>
/// The float32 → bfloat16 rounding of the bf16-mixed GEMM: the C# scalar (FloatConversions.F32ToBf16Scalar, a bit
/// trick) against a brute-force reference that picks the nearer of the two neighbouring bf16 values in double
/// arithmetic, and the native kernel's packing rounding against the C# one, bit for bit.
/// </summary>
public sealed class Bf16RoundingTests(ITestOutputHelper output)
{
    /// <summary>Brute force: the nearer of the bf16 values just below and just above |x| (ties to the even one); NaN quiet, sign kept.</summary>
    internal static ushort Reference(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        uint sign = bits & 0x8000_0000u, mag = bits & 0x7FFF_FFFFu;
        if (float.IsNaN(x))
        {
            return (ushort)((bits >> 16) | 0x0040u); // quiet NaN with the payload's top bits and the sign
        }
        uint below = mag & 0xFFFF_0000u;           // truncation: the bf16 at or below |x|
        if (below == mag)
        {
            return (ushort)((sign | mag) >> 16);     // exact (includes ±0, ±Inf)
        }
        uint above = below + 0x1_0000u;               // the next bf16 up (0x7F80_0000 = +Inf after the largest finite)
        double lo = BitConverter.UInt32BitsToSingle(below);
        double hi = above == 0x7F80_0000u ? Math.Pow(2, 128) : BitConverter.UInt32BitsToSingle(above); // IEEE: overflow rounds as if to 2^128
        double v = BitConverter.UInt32BitsToSingle(mag);
        double dLo = v - lo, dHi = hi - v;
        uint pick = dLo < dHi ? below : dHi < dLo ? above : ((below >> 16) & 1u) == 0 ? below : above;
        return (ushort)((sign | pick) >> 16);
    }

    internal static float[] Specials()
    {
        var list = new List<float>
        {
            0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, -float.MaxValue,
            float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1.1754942e-38f /* largest subnormal */, 1.17549435e-38f /* smallest normal */,
            3.3895314e38f /* largest bf16 */,
        };
        foreach (uint u in new uint[]
        {
            0x3F80_8000, 0x3F81_8000, 0xBF80_8000, 0xBF81_8000, // ties: 1 + 2^-8 → 1 (even), 1 + 3·2^-8 → 1 + 2^-6 (even)
            0x3F80_8001, 0x3F80_7FFF, 0x7F7F_8000, 0x7F7F_7FFF, 0x7F7F_FFFF, // just off ties; ties and near-ties at the top of the range
            0x0000_8000, 0x0001_8000, 0x0000_7FFF, 0x8001_8000, // subnormal ties and near-ties
            0x7F80_0001, 0xFF80_0001, 0x7FC0_0000, 0x7FBF_FFFF, 0x7F80_FFFF, 0xFFFF_FFFF, // NaNs (payload only in the low half, signalling, quiet)
        })
        {
            list.Add(BitConverter.UInt32BitsToSingle(u));
        }
        var rng = new Random(7);
        for (int i = 0; i < 200_000; i++)
        {
            list.Add(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
            // Exact ties and their neighbours in every binade.
            uint tie = ((uint)rng.Next(0, 1 << 16) << 16) | 0x8000u;
            list.Add(BitConverter.UInt32BitsToSingle(tie + (uint)rng.Next(-1, 2)));
        }
        return [.. list];
    }

    [Fact]
    public void CSharpRounding_MatchesBruteForce_OnTiesInfNaNAndSubnormals()
    {
        Assert.Equal(0x3F80, Reference(BitConverter.UInt32BitsToSingle(0x3F80_8000)));       // tie to even (down)
        Assert.Equal(0x3F82, Reference(BitConverter.UInt32BitsToSingle(0x3F81_8000)));       // tie to even (up)
        Assert.Equal(0x7F80, Reference(BitConverter.UInt32BitsToSingle(0x7F7F_8000)));       // overflow to +Inf
        Assert.Equal(0x7FC0, Reference(BitConverter.UInt32BitsToSingle(0x7F80_0001)) & 0x7FC0); // NaN stays NaN
        foreach (float x in Specials())
        {
            ushort want = Reference(x), got = FloatConversions.F32ToBf16Scalar(x);
            if (want != got)
            {
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(x):X8}: reference 0x{want:X4}, FloatConversions 0x{got:X4}");
            }
        }
    }

    [Fact]
    public unsafe void NativePackingRounding_IsBitIdenticalToCSharp()
    {
        if (Bf16Library.Instance is not { } lib)
        {
            output.WriteLine($"skipped: {Bf16Library.LoadError}");
            return;
        }
        float[] x = Specials();
        var got = new ushort[x.Length];
        fixed (float* px = x)
        fixed (ushort* pg = got)
        {
            lib.Round(px, pg, x.Length);
        }
        for (int i = 0; i < x.Length; i++)
        {
            ushort want = FloatConversions.F32ToBf16Scalar(x[i]);
            if (want != got[i])
            {
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(x[i]):X8}: C# 0x{want:X4}, native 0x{got[i]:X4}");
            }
        }
    }
}
