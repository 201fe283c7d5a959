using FsCheck;
using FsCheck.Fluent;
using Sift.Engine.IO;

namespace Sift.Engine.Tests.IO;

public sealed class FloatConversionsTests
{
    private static float F(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    [Theory]
    [InlineData(0x3F80_0000u, 0x3F80)] // 1.0 exact
    [InlineData(0x3F80_7FFFu, 0x3F80)] // just below half way: down
    [InlineData(0x3F80_8000u, 0x3F80)] // tie, 0x3F80 is even: down
    [InlineData(0x3F80_8001u, 0x3F81)] // just above half way: up
    [InlineData(0x3F81_8000u, 0x3F82)] // tie, 0x3F81 is odd: up to even
    [InlineData(0xBF81_8000u, 0xBF82)] // negative tie rounds by magnitude
    [InlineData(0x8000_0000u, 0x8000)] // -0 keeps its sign
    [InlineData(0x0000_0001u, 0x0000)] // smallest float subnormal rounds to +0
    [InlineData(0x0001_0000u, 0x0001)] // bf16 subnormal exact
    [InlineData(0x0001_8000u, 0x0002)] // subnormal tie to even (up)
    [InlineData(0x8000_8000u, 0x8000)] // negative subnormal tie to even (down to -0)
    [InlineData(0x007F_FFFFu, 0x0080)] // largest float subnormal rounds up into the normals
    [InlineData(0x7F7F_FFFFu, 0x7F80)] // float.MaxValue overflows to +Inf
    [InlineData(0x7F7F_7FFFu, 0x7F7F)] // stays at bf16 max
    [InlineData(0x7F80_0000u, 0x7F80)] // +Inf
    [InlineData(0xFF80_0000u, 0xFF80)] // -Inf
    [InlineData(0xFFC0_0000u, 0xFFC0)] // float.NaN (negative quiet)
    [InlineData(0x7F80_0001u, 0x7FC0)] // signalling NaN with low payload stays NaN (not Inf)
    [InlineData(0x7FFF_FFFFu, 0x7FFF)] // NaN whose rounding would carry into the sign
    public void Bf16_rounding_special_cases(uint floatBits, int expected)
    {
        Assert.Equal((ushort)expected, FloatConversions.F32ToBf16Scalar(F(floatBits)));
        var dst = new ushort[1];
        FloatConversions.F32ToBf16([F(floatBits)], dst);
        Assert.Equal((ushort)expected, dst[0]);
    }

    [Fact]
    public void Bf16_rounding_matches_nearest_even_reference_on_random_bits()
    {
        Prop.ForAll<uint>(bits =>
        {
            float x = F(bits);
            ushort got = FloatConversions.F32ToBf16Scalar(x);
            if (float.IsNaN(x))
            {
                return float.IsNaN(FloatConversions.Bf16ToF32Scalar(got)) && (got & 0x8000) == ((bits >> 16) & 0x8000);
            }

            return got == NearestEvenBf16Reference(bits);
        }).QuickCheckThrowOnFailure();

        var rng = new Random(1234);
        for (int i = 0; i < 200_000; i++)
        {
            uint bits = (uint)rng.NextInt64(0, 1L << 32);
            if (!float.IsNaN(F(bits)))
            {
                Assert.Equal(NearestEvenBf16Reference(bits), FloatConversions.F32ToBf16Scalar(F(bits)));
            }
        }
    }

    /// <summary>Independent reference: compare the distances to both bf16 neighbours in double precision.</summary>
    private static ushort NearestEvenBf16Reference(uint bits)
    {
        uint sign = bits & 0x8000_0000u;
        uint mag = bits & 0x7FFF_FFFFu;
        if (mag == 0x7F80_0000u)
        {
            return (ushort)((sign | mag) >> 16);
        }

        uint lo = mag & 0xFFFF_0000u;
        uint hi = lo + 0x1_0000u;
        double x = F(mag);
        double dLo = x - F(lo);
        double hiValue = hi == 0x7F80_0000u ? Math.Pow(2, 128) : F(hi);
        double dHi = hiValue - x;
        uint pick = dLo < dHi ? lo : dHi < dLo ? hi : ((lo >> 16) & 1) == 0 ? lo : hi;
        return (ushort)((sign | pick) >> 16);
    }

    [Fact]
    public void Bf16_to_f32_vector_kernel_matches_scalar_for_all_65536_patterns()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var dst = new float[all.Length];
        FloatConversions.Bf16ToF32(all, dst);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.Equal((uint)i << 16, BitConverter.SingleToUInt32Bits(dst[i]));
        }

        // Every bf16 survives the round trip bf16 -> f32 -> bf16 bit-exactly, except that NaN gets its quiet bit.
        var back = new ushort[all.Length];
        FloatConversions.F32ToBf16(dst, back);
        for (int i = 0; i < all.Length; i++)
        {
            ushort expected = float.IsNaN(dst[i]) ? (ushort)(i | 0x40) : (ushort)i;
            Assert.Equal(expected, back[i]);
        }
    }

    [Fact]
    public void F32_to_bf16_vector_kernel_matches_scalar_including_tails()
    {
        var rng = new Random(7);
        foreach (int n in new[] { 0, 1, 7, 15, 16, 17, 33, 1000, 4099 })
        {
            var src = new float[n];
            for (int i = 0; i < n; i++)
            {
                // Mix random bit patterns (NaNs, subnormals included) with exact ties.
                uint bits = (uint)rng.NextInt64(0, 1L << 32);
                src[i] = F(i % 3 == 0 ? (bits & 0xFFFF_0000u) | 0x8000u : bits);
            }

            var dst = new ushort[n];
            FloatConversions.F32ToBf16(src, dst);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(FloatConversions.F32ToBf16Scalar(src[i]), dst[i]);
            }
        }
    }

    [Fact]
    public void F16_conversions_round_to_nearest_even_like_the_Half_cast()
    {
        float[] cases =
        [
            1f, 1f + MathF.Pow(2, -11), 1f + 3 * MathF.Pow(2, -11), // ties: down to 1, up to 1+2^-9
            MathF.Pow(2, -24), MathF.Pow(2, -25), 3 * MathF.Pow(2, -25), // subnormal, ties to 0 and to 2^-23
            65504f, 65519.99f, 65520f, -65520f, // max, below the overflow tie, tie to Inf
            -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-10f,
        ];
        var dst = new Half[cases.Length];
        FloatConversions.F32ToF16(cases, dst);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)cases[i]), BitConverter.HalfToUInt16Bits(dst[i]));
        }

        Assert.Equal(1f, (float)dst[1]);
        Assert.Equal(1f + MathF.Pow(2, -9), (float)dst[2]);
        Assert.Equal(0f, (float)dst[4]);
        Assert.Equal(MathF.Pow(2, -23), (float)dst[5]);
        Assert.True(Half.IsPositiveInfinity(dst[8]));
        Assert.Equal(0x8000, BitConverter.HalfToUInt16Bits(dst[10]));
        Assert.True(Half.IsNaN(dst[13]));
    }

    [Fact]
    public void F16_to_f32_is_exact_for_all_65536_patterns()
    {
        Half[] all = Enumerable.Range(0, 65536).Select(i => BitConverter.UInt16BitsToHalf((ushort)i)).ToArray();
        var dst = new float[all.Length];
        FloatConversions.F16ToF32(all, dst);
        for (int i = 0; i < all.Length; i++)
        {
            if (Half.IsNaN(all[i]))
            {
                Assert.True(float.IsNaN(dst[i]));
            }
            else
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits((float)all[i]), BitConverter.SingleToUInt32Bits(dst[i]));
            }
        }
    }

    [Fact]
    public unsafe void Parallel_driver_converts_unaligned_large_input_like_the_chunk_kernel()
    {
        // 2.5M elements crosses the parallel threshold and leaves a partial last chunk; offset 1 byte to be unaligned.
        const int n = 2_500_003;
        var bytes = new byte[n * 2 + 1];
        new Random(3).NextBytes(bytes);
        var dst = new float[n];
        fixed (byte* p = bytes)
        fixed (float* d = dst)
        {
            FloatConversions.ToFloat32(SafeTensorsDType.BF16, p + 1, d, n);
        }

        for (int i = 0; i < n; i += 997)
        {
            ushort b = (ushort)(bytes[1 + 2 * i] | (bytes[2 + 2 * i] << 8));
            Assert.Equal((uint)b << 16, BitConverter.SingleToUInt32Bits(dst[i]));
        }

        ushort last = (ushort)(bytes[2 * n - 1] | (bytes[2 * n] << 8));
        Assert.Equal((uint)last << 16, BitConverter.SingleToUInt32Bits(dst[n - 1]));
    }
}
