using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Sift.Data;

/// <summary>Converts between int token ids and the little-endian on-disk dtypes.</summary>
internal static class TokenCodec
{
    /// <summary>Writes <paramref name="ids"/> as <paramref name="dtype"/> little-endian into <paramref name="dest"/> (ids already range-checked).</summary>
    public static void Encode(ReadOnlySpan<int> ids, TokenDType dtype, Span<byte> dest)
    {
        if (dtype == TokenDType.UInt16)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(dest.Slice(2 * i, 2), (ushort)ids[i]);
            }
        }
        else if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(ids).CopyTo(dest);
        }
        else
        {
            for (int i = 0; i < ids.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(dest.Slice(4 * i, 4), (uint)ids[i]);
            }
        }
    }

    /// <summary>Widens uint16 tokens to int (shape: src[n] → dest[n]); Vector256 path, scalar tail.</summary>
    public static void DecodeUInt16(ReadOnlySpan<ushort> src, Span<int> dest)
    {
        if (!BitConverter.IsLittleEndian)
        {
            DecodeUInt16Naive(src, dest);
            return;
        }
        int n = src.Length;
        ref ushort s = ref MemoryMarshal.GetReference(src);
        ref int d = ref MemoryMarshal.GetReference(dest[..n]);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)i);
                var (lo, hi) = Vector256.Widen(v);
                lo.AsInt32().StoreUnsafe(ref d, (nuint)i);
                hi.AsInt32().StoreUnsafe(ref d, (nuint)(i + Vector256<uint>.Count));
            }
        }
        for (; i < n; i++)
        {
            dest[i] = src[i];
        }
    }

    /// <summary>Reference for <see cref="DecodeUInt16"/>.</summary>
    public static void DecodeUInt16Naive(ReadOnlySpan<ushort> src, Span<int> dest)
    {
        for (int i = 0; i < src.Length; i++)
        {
            dest[i] = BitConverter.IsLittleEndian ? src[i] : BinaryPrimitives.ReverseEndianness(src[i]);
        }
    }

    /// <summary>Copies uint32 tokens to int (ids are below vocab ≤ int.MaxValue, so the bits are the value).</summary>
    public static void DecodeUInt32(ReadOnlySpan<uint> src, Span<int> dest)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<uint, int>(src).CopyTo(dest);
            return;
        }
        for (int i = 0; i < src.Length; i++)
        {
            dest[i] = (int)BinaryPrimitives.ReverseEndianness(src[i]);
        }
    }
}
