namespace Sift.LlamaCpp.Gguf;

/// <summary>Row encodings of ggml: f32, f16 and q8_0 (quantize and dequantize as ggml's reference code does).</summary>
public static class GgmlQuant
{
    /// <summary>Encodes one row of floats into <paramref name="dst"/> (<see cref="GgufFormat.RowBytes"/> bytes).</summary>
    public static void EncodeRow(GgmlType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        switch (type)
        {
            case GgmlType.F32:
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(src).CopyTo(dst);
                return;
            case GgmlType.F16:
                for (int i = 0; i < src.Length; i++)
                {
                    BitConverter.TryWriteBytes(dst.Slice(2 * i, 2), BitConverter.HalfToUInt16Bits((Half)src[i]));
                }
                return;
            case GgmlType.Q8_0:
                QuantizeQ8(src, dst);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    /// <summary>Decodes one row of <paramref name="dst"/>.Length elements.</summary>
    public static void DecodeRow(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (type)
        {
            case GgmlType.F32:
                src[..(4 * dst.Length)].CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(dst));
                return;
            case GgmlType.F16:
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(src.Slice(2 * i, 2)));
                }
                return;
            case GgmlType.Q8_0:
                for (int b = 0; b < dst.Length / GgufFormat.Q8Block; b++)
                {
                    var block = src.Slice(b * GgufFormat.Q8BlockBytes, GgufFormat.Q8BlockBytes);
                    float d = (float)BitConverter.UInt16BitsToHalf(BitConverter.ToUInt16(block));
                    for (int j = 0; j < GgufFormat.Q8Block; j++)
                    {
                        dst[b * GgufFormat.Q8Block + j] = d * (sbyte)block[2 + j];
                    }
                }
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    // ggml's quantize_row_q8_0_ref: d = amax/127 stored as fp16; q = roundf(x/d) (half away from zero) with the
    // float32 reciprocal of the unrounded d.
    private static void QuantizeQ8(ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (src.Length % GgufFormat.Q8Block != 0)
        {
            throw new ArgumentException($"q8_0 needs a row length that is a multiple of {GgufFormat.Q8Block}, got {src.Length}", nameof(src));
        }
        for (int b = 0; b < src.Length / GgufFormat.Q8Block; b++)
        {
            var x = src.Slice(b * GgufFormat.Q8Block, GgufFormat.Q8Block);
            var block = dst.Slice(b * GgufFormat.Q8BlockBytes, GgufFormat.Q8BlockBytes);
            float amax = 0;
            foreach (float v in x)
            {
                amax = MathF.Max(amax, MathF.Abs(v));
            }
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BitConverter.TryWriteBytes(block, BitConverter.HalfToUInt16Bits((Half)d));
            for (int j = 0; j < GgufFormat.Q8Block; j++)
            {
                block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
            }
        }
    }
}
