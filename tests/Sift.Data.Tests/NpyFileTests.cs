using System.Text;
using Sift.Core;

namespace Sift.Data.Tests;

public sealed class NpyFileTests
{
    [Fact]
    public void Header_IsNumpyVersion1_PaddedTo64Bytes_AndReadsBack()
    {
        foreach (long[] shape in new[] { new long[] { 3 }, [2, 5], [7, 17, 1024], [0, 4] })
        {
            byte[] h = NpyFile.Header("<f4", shape);
            Assert.Equal(0, h.Length % 64);
            Assert.Equal([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0], h[..8]);
            Assert.Equal(h.Length - 10, BitConverter.ToUInt16(h, 8));
            string dict = Encoding.ASCII.GetString(h, 10, h.Length - 10);
            Assert.EndsWith("\n", dict);
            // NumPy writes a 1-d shape as "(3,)" and others as "(2, 5)".
            Assert.Contains(shape.Length == 1 ? $"'shape': ({shape[0]},)" : $"'shape': ({string.Join(", ", shape)})", dict);
        }
    }

    [Fact]
    public void Writer_RoundTrips_AndRefusesAShortOrLongArray()
    {
        string dir = Directory.CreateTempSubdirectory("sift-npy").FullName;
        string path = Path.Combine(dir, "a.npy");
        ushort[] values = [.. Enumerable.Range(0, 12).Select(i => (ushort)(i * 5000))];
        using (var w = new NpyWriter<ushort>(path, [3, 4]))
        {
            w.Append(values.AsSpan(0, 5));
            w.Append(values.AsSpan(5));
            Assert.True(File.Exists(Path.Combine(dir, ".a.npy.tmp")) && !File.Exists(path)); // still a temp file
            string sha = w.Commit();
            Assert.Equal(Sift.Core.IO.Hashing.Sha256File(path), sha);
        }
        var (back, shape) = NpyFile.Read<ushort>(path);
        Assert.Equal(values, back);
        Assert.Equal([3L, 4L], shape);
        Assert.Throws<SiftException>(() => NpyFile.Read<float>(path));

        string shortPath = Path.Combine(dir, "short.npy");
        using (var w = new NpyWriter<float>(shortPath, [2, 2]))
        {
            w.Append([1f, 2f, 3f]);
            Assert.Throws<InvalidOperationException>(() => w.Commit());
            Assert.Throws<InvalidOperationException>(() => w.Append([4f, 5f]));
        }
        Assert.False(File.Exists(shortPath)); // never renamed into place
        Assert.Empty(Directory.GetFiles(dir, ".*.tmp"));
    }
}
