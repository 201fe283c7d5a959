using Sift.Core;
using Sift.LlamaCpp.Gguf;

namespace Sift.LlamaCpp.Tests;

/// <summary>The GGUF container: writer → reader round trip, byte layout, and bad headers.</summary>
public sealed class GgufFormatTests
{
    private static GgufWriter Sample()
    {
        var w = new GgufWriter();
        w.Add("general.architecture", GgufValue.Str("llama"));
        w.Add("u8", new GgufValue(GgufValueType.UInt8, (byte)200));
        w.Add("i8", new GgufValue(GgufValueType.Int8, (sbyte)-5));
        w.Add("u16", new GgufValue(GgufValueType.UInt16, (ushort)60000));
        w.Add("i16", new GgufValue(GgufValueType.Int16, (short)-3000));
        w.Add("u32", GgufValue.U32(4_000_000_000));
        w.Add("i32", GgufValue.I32(-7));
        w.Add("f32", GgufValue.F32(1.5e-5f));
        w.Add("bool", GgufValue.Bool(true));
        w.Add("str", GgufValue.Str("héllo ▁wörld"));
        w.Add("u64", new GgufValue(GgufValueType.UInt64, ulong.MaxValue - 1));
        w.Add("i64", new GgufValue(GgufValueType.Int64, long.MinValue + 1));
        w.Add("f64", new GgufValue(GgufValueType.Float64, Math.PI));
        w.Add("strings", GgufValue.Strings(["a", "", "Ġthe", "<0x0A>"]));
        w.Add("ints", GgufValue.Ints([1, -2, 3]));
        w.Add("floats", GgufValue.Floats([0.5f, -1000f]));
        w.AddTensor("vec", [5], GgmlType.F32, (r, dst) =>
        {
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = i - 2.5f;
            }
        });
        w.AddTensor("mat16", [3, 2], GgmlType.F16, (r, dst) =>
        {
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = r * 10 + i + 0.25f;
            }
        });
        w.AddTensor("q8", [64, 3], GgmlType.Q8_0, (r, dst) =>
        {
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = MathF.Sin(r * 64 + i) * (r + 1);
            }
        });
        return w;
    }

    private static string WriteSample()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("sift-gguf-fmt").FullName, "s.gguf");
        Sample().Write(path);
        return path;
    }

    [Fact]
    public void RoundTrip_MetadataAndTensors()
    {
        string path = WriteSample();
        var f = GgufFile.Read(path);
        Assert.Equal(3u, f.Version);
        var expected = Sample();
        Assert.Equal(expected.Metadata.Count, f.Metadata.Count);
        foreach (var (key, value) in expected.Metadata)
        {
            var got = f.Get(key);
            Assert.Equal(value.Type, got.Type);
            if (value.Value is Array a)
            {
                Assert.Equal(value.ElementType, got.ElementType);
                Assert.Equal(a.Cast<object>(), ((Array)got.Value).Cast<object>());
            }
            else
            {
                Assert.Equal(value.Value, got.Value);
            }
        }
        Assert.Equal(["vec", "mat16", "q8"], f.Tensors.Select(t => t.Name));
        Assert.All(f.Tensors, t => Assert.Equal(0, t.Offset % 32));
        Assert.Equal(0, f.DataOffset % 32);
        Assert.Equal([-2.5f, -1.5f, -0.5f, 0.5f, 1.5f], f.ReadTensor("vec"));
        Assert.Equal([0.25f, 1.25f, 2.25f, 10.25f, 11.25f, 12.25f], f.ReadTensor("mat16")); // exact in f16
        var q = f.ReadTensor("q8");
        for (int r = 0; r < 3; r++)
        {
            for (int b = 0; b < 2; b++)
            {
                // Each block's error is at most half a step (d/2 = amax/254), plus fp16 rounding of d.
                float amax = Enumerable.Range(b * 32, 32).Max(i => MathF.Abs(MathF.Sin(r * 64 + i) * (r + 1)));
                for (int i = b * 32; i < b * 32 + 32; i++)
                {
                    float x = MathF.Sin(r * 64 + i) * (r + 1);
                    Assert.True(MathF.Abs(q[r * 64 + i] - x) <= amax / 254 * 1.01f + 1e-3f * MathF.Abs(x), $"row {r} col {i}: {q[r * 64 + i]} vs {x}");
                }
            }
        }
        Assert.Equal(f.DataOffset + f.Tensors[^1].Offset + GgufFormat.Align(f.Tensors[^1].Bytes, 32), new FileInfo(path).Length);
    }

    /// <summary>The header bytes as the GGUF spec lays them out (magic, version, counts, first key).</summary>
    [Fact]
    public void Header_ByteLayout()
    {
        var bytes = File.ReadAllBytes(WriteSample());
        Assert.Equal("GGUF"u8.ToArray(), bytes[..4]);
        Assert.Equal(3u, BitConverter.ToUInt32(bytes, 4));
        Assert.Equal(3ul, BitConverter.ToUInt64(bytes, 8)); // tensors
        Assert.Equal(16ul, BitConverter.ToUInt64(bytes, 16)); // metadata
        Assert.Equal((ulong)"general.architecture".Length, BitConverter.ToUInt64(bytes, 24));
        Assert.Equal((uint)GgufValueType.String, BitConverter.ToUInt32(bytes, 32 + "general.architecture".Length));
    }

    /// <summary>q8_0 as ggml's reference: d = amax/127 in fp16, q = round-half-away(x/d).</summary>
    [Fact]
    public void Q8_0_Block_MatchesGgmlReference()
    {
        var x = new float[32];
        for (int i = 0; i < 32; i++)
        {
            x[i] = (i - 16) * 0.125f;
        }
        x[5] = -2.54f; // amax
        var block = new byte[34];
        GgmlQuant.EncodeRow(GgmlType.Q8_0, x, block);
        float d = 2.54f / 127;
        Assert.Equal(BitConverter.HalfToUInt16Bits((Half)d), BitConverter.ToUInt16(block, 0));
        for (int i = 0; i < 32; i++)
        {
            Assert.Equal((sbyte)Math.Round(x[i] * (1 / d), MidpointRounding.AwayFromZero), (sbyte)block[2 + i]);
        }
        Assert.Equal(-127, (sbyte)block[2 + 5]);
        var zero = new byte[34];
        GgmlQuant.EncodeRow(GgmlType.Q8_0, new float[32], zero);
        Assert.All(zero, b => Assert.Equal(0, b));
    }

    public static TheoryData<string, int, byte[]> BadHeaders => new()
    {
        { "not a GGUF file", 0, "GGUX"u8.ToArray() },
        { "version 7", 4, BitConverter.GetBytes(7u) },
        { "tensor_count", 8, BitConverter.GetBytes(ulong.MaxValue) },
        { "metadata_kv_count", 16, BitConverter.GetBytes(1ul << 40) },
        { "length", 24, BitConverter.GetBytes(1ul << 50) },
        { "not a GGUF value type", 52, BitConverter.GetBytes(99u) },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void BadHeader_ClearError(string expected, int at, byte[] patch)
    {
        string path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        patch.CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<SiftException>(() => GgufFile.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Truncated_ClearError()
    {
        string path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 40)]);
        var e = Assert.Throws<SiftException>(() => GgufFile.Read(path));
        Assert.Contains("runs past the end of the file", e.Message);
        File.WriteAllBytes(path, bytes[..12]);
        e = Assert.Throws<SiftException>(() => GgufFile.Read(path));
        Assert.Contains("truncated", e.Message);
    }

    /// <summary>Random corruption of the header never crashes the reader: it reads or throws a SiftException.</summary>
    [Fact]
    public void Fuzzed_Headers_OnlySiftExceptions()
    {
        string path = WriteSample();
        var good = File.ReadAllBytes(path);
        long headerEnd = GgufFile.Read(path).DataOffset;
        var rng = new Random(1234);
        int rejected = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])good.Clone();
            int flips = rng.Next(1, 6);
            for (int k = 0; k < flips; k++)
            {
                bytes[rng.Next((int)headerEnd)] = (byte)rng.Next(256);
            }
            if (trial % 5 == 0)
            {
                bytes = bytes[..rng.Next(bytes.Length)];
            }
            File.WriteAllBytes(path, bytes);
            try
            {
                var f = GgufFile.Read(path);
                foreach (var t in f.Tensors)
                {
                    Assert.True(f.DataOffset + t.Offset + t.Bytes <= bytes.Length);
                }
            }
            catch (SiftException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 400 corrupted files were rejected");
    }

    /// <summary>Row 2i + j of llama.cpp's layout is HF row j·hd/2 + i in every head; the map is a permutation.</summary>
    [Fact]
    public void Interleave_IsThePairPermutation()
    {
        int hd = 8, heads = 3;
        var rows = Enumerable.Range(0, hd * heads).Select(r => GgufExporter.Interleave(r, hd)).ToArray();
        Assert.Equal(Enumerable.Range(0, hd * heads).Select(r => (long)r), rows.Order());
        Assert.Equal([0, 4, 1, 5, 2, 6, 3, 7, 8, 12], rows[..10]);
    }
}
