using System.Runtime.InteropServices;
using System.Text;
using Sift.Engine.IO;

namespace Sift.Engine.Tests.IO;

public sealed class SafeTensorsRoundTripTests
{
    private static float[] Special =>
    [
        0f, -0f, 1f, -2.5f, 3.1415927f, 1e-3f, 65504f, 1e30f, -1e-30f, float.Epsilon, 1.17549435e-38f,
        float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN,
    ];

    private static float[] RandomFloats(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
    }

    [Fact]
    public void F32_round_trip_is_bit_exact_and_preserves_shapes_and_order()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("m.safetensors");
        float[] a = Special.Concat(RandomFloats(1000, 1)).ToArray();
        float[] b = RandomFloats(6, 2);
        SafeTensorsWriter.Write(path,
        [
            ("z.weight", [a.Length], a.AsMemory()),
            ("b.bias", [2, 3], b.AsMemory()),
            ("scalar", [], new float[] { 42f }.AsMemory()),
            ("empty", [0, 4], ReadOnlyMemory<float>.Empty),
        ], SafeTensorsDType.F32);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(4, file.Tensors.Count);
        Assert.Equal([2L, 3L], file.Tensors["b.bias"].Shape);
        Assert.Empty(file.Tensors["scalar"].Shape);
        Assert.Equal(0, file.Tensors["empty"].ElementCount);
        Assert.All(file.Tensors.Values, t => Assert.Equal(SafeTensorsDType.F32, t.DType));

        // Data laid out in name order, right after the 8-aligned header.
        var byOffset = file.Tensors.Values.Where(t => t.ByteLength > 0).OrderBy(t => t.ByteOffset).Select(t => t.Name).ToArray();
        Assert.Equal(["b.bias", "scalar", "z.weight"], byOffset);
        Assert.Equal(0, file.Tensors["b.bias"].ByteOffset % 8);

        float[] got = file.ReadAsFloat32("z.weight");
        Assert.Equal(a.Select(BitConverter.SingleToUInt32Bits), got.Select(BitConverter.SingleToUInt32Bits));
        Assert.Equal(b, file.ReadAsFloat32("b.bias"));
        Assert.Equal([42f], file.ReadAsFloat32("scalar"));
        Assert.Empty(file.ReadAsFloat32("empty"));
        Assert.Equal(MemoryMarshal.AsBytes(a.AsSpan()).ToArray(), file.RawBytes("z.weight").ToArray());
    }

    [Fact]
    public void Bf16_round_trip_is_exact_for_representable_values_and_rounds_others_to_nearest_even()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("bf16.safetensors");
        float[] src = Special.Concat(RandomFloats(777, 3)).ToArray();
        SafeTensorsWriter.Write(path, [("w", [src.Length], src.AsMemory())], SafeTensorsDType.BF16);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(src.Length * 2, file.Tensors["w"].ByteLength);
        float[] got = file.ReadAsFloat32("w");
        for (int i = 0; i < src.Length; i++)
        {
            float expected = FloatConversions.Bf16ToF32Scalar(FloatConversions.F32ToBf16Scalar(src[i]));
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(got[i]));
        }

        // Writing what we read back is a fixed point: values that are bf16 already survive exactly.
        string again = tmp.File("again.safetensors");
        SafeTensorsWriter.Write(again, [("w", [got.Length], got.AsMemory())], SafeTensorsDType.BF16);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.Equal(1f, got[2]);
        Assert.Equal(-2.5f, got[3]);
        Assert.True(float.IsNaN(got[15]));
        Assert.True(float.IsPositiveInfinity(got[13]));
        Assert.Equal(0x8000_0000u, BitConverter.SingleToUInt32Bits(got[1]));
    }

    [Fact]
    public void F16_round_trip_matches_the_Half_cast()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("f16.safetensors");
        float[] src = Special.Concat(RandomFloats(300, 4)).ToArray();
        SafeTensorsWriter.Write(path, [("w", [src.Length], src.AsMemory())], SafeTensorsDType.F16);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(SafeTensorsDType.F16, file.Tensors["w"].DType);
        float[] got = file.ReadAsFloat32("w");
        for (int i = 0; i < src.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToUInt32Bits((float)(Half)src[i]), BitConverter.SingleToUInt32Bits(got[i]));
        }

        Assert.Equal(65504f, got[6]);
        Assert.True(float.IsPositiveInfinity(got[7])); // 1e30 overflows F16
    }

    [Fact]
    public void Metadata_defaults_to_format_pt_and_merges_user_entries()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("meta.safetensors");
        var meta = new Dictionary<string, string> { ["step"] = "1200", ["note"] = "ünïcode \"quoted\" + more" };
        SafeTensorsWriter.Write(path, [("x", [1], new float[] { 1 }.AsMemory())], SafeTensorsDType.F32, meta);
        using (var file = SafeTensorsFile.Open(path))
        {
            Assert.Equal("pt", file.Metadata["format"]);
            Assert.Equal("1200", file.Metadata["step"]);
            Assert.Equal(meta["note"], file.Metadata["note"]);
        }

        SafeTensorsWriter.Write(path, [("x", [1], new float[] { 1 }.AsMemory())], SafeTensorsDType.F32,
            new Dictionary<string, string> { ["format"] = "np" });
        using var again = SafeTensorsFile.Open(path);
        Assert.Equal("np", again.Metadata["format"]);
        Assert.Single(again.Metadata);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("ab")]
    [InlineData("abc")]
    [InlineData("abcdefg")]
    [InlineData("model.layers.0.self_attn.q_proj.weight")]
    public void Header_is_padded_with_spaces_to_a_multiple_of_8(string name)
    {
        using var tmp = new TempFolder();
        string path = tmp.File("pad.safetensors");
        SafeTensorsWriter.Write(path, [(name, [3], new float[] { 1, 2, 3 }.AsMemory())], SafeTensorsDType.F32);
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        string trimmed = header.TrimEnd(' ');
        Assert.EndsWith("}", trimmed);
        Assert.True(header.Length - trimmed.Length < 8);
        Assert.Equal(8 + (long)n + 12, bytes.Length);
    }

    [Fact]
    public unsafe void Pointer_and_chunk_sources_stream_large_tensors_in_chunks()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("big.safetensors");
        const int n = 2_500_001; // more than two writer chunks; more than the reader's parallel threshold
        float* native = (float*)NativeMemory.Alloc(n, sizeof(float));
        try
        {
            for (int i = 0; i < n; i++)
            {
                native[i] = i % 256 - 128; // exact in bf16 (8 significant bits)
            }

            var calls = new List<(long Offset, int Length)>();
            TensorSource chunked = TensorSource.FromChunks("chunked", [n], (offset, dst) =>
            {
                calls.Add((offset, dst.Length));
                for (int i = 0; i < dst.Length; i++)
                {
                    dst[i] = (offset + i) % 7;
                }
            });
            SafeTensorsWriter.Write(path, [TensorSource.FromPointer("native", [n, 1], native), chunked], SafeTensorsDType.BF16);

            Assert.Equal(n, calls.Sum(c => (long)c.Length));
            Assert.True(calls.Count >= 3);
            Assert.Equal(0, calls[0].Offset);
            Assert.All(calls.Skip(1).Zip(calls), p => Assert.Equal(p.Second.Offset + p.Second.Length, p.First.Offset));

            using var file = SafeTensorsFile.Open(path);
            float* back = (float*)NativeMemory.Alloc(n, sizeof(float));
            try
            {
                file.ReadAsFloat32("native", back, n);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(native[i], back[i]);
                }
            }
            finally
            {
                NativeMemory.Free(back);
            }

            float[] c = file.ReadAsFloat32("chunked");
            for (int i = 0; i < n; i += 101)
            {
                Assert.Equal(i % 7, c[i]);
            }
        }
        finally
        {
            NativeMemory.Free(native);
        }
    }

    [Fact]
    public void Writer_rejects_duplicate_names_reserved_name_bad_lengths_and_unsupported_dtypes()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("x.safetensors");
        var one = new float[] { 1 }.AsMemory();
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [("a", [1], one), ("a", [1], one)], SafeTensorsDType.F32));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [("__metadata__", [1], one)], SafeTensorsDType.F32));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [("a", [2], one)], SafeTensorsDType.F32));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [("a", [1], one)], SafeTensorsDType.I32));
        Assert.False(File.Exists(path));
        Assert.Empty(tmp.Names());
    }
}
