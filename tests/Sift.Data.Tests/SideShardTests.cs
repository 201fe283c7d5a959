using Sift.Core;

namespace Sift.Data.Tests;

public sealed class SideShardTests
{
    private static TokenDataset Pack(TempDir tmp, string name, int seed)
    {
        string input = TestData.WriteJsonl(tmp.Sub(name + ".jsonl"), TestData.Documents(150, seed));
        new ShardPacker(new ByteTokenizer(), new PackOptions { MaxShardTokens = 1000 }).Pack([input], tmp.Sub(name));
        return TokenDataset.Open(tmp.Sub(name));
    }

    private static float Score(long offset, int token) => (token * 0.5f) + (offset % 3);

    [Fact]
    public void SideArrays_AreAlignedWithTheTokenStream()
    {
        using var tmp = new TempDir();
        using var ds = Pack(tmp, "ds", 31);
        int[] tokens = TestData.ReadAll(ds);

        using (var bytes = new SideShardWriter<byte>(tmp.Sub("prov"), ds))
        using (var floats = new SideShardWriter<float>(tmp.Sub("scores"), ds))
        using (var halves = new SideShardWriter<Half>(tmp.Sub("half"), ds.Index))
        {
            // Append in uneven chunks that cross shard boundaries.
            for (int pos = 0, chunk = 1; pos < tokens.Length; pos += chunk, chunk = (chunk * 3 % 700) + 1)
            {
                int n = Math.Min(chunk, tokens.Length - pos);
                bytes.Append(Enumerable.Range(pos, n).Select(i => (byte)(ds.DocumentAt(i) % 251)).ToArray());
                floats.Append(Enumerable.Range(pos, n).Select(i => Score(i, tokens[i])).ToArray());
                halves.Append(Enumerable.Range(pos, n).Select(i => (Half)tokens[i]).ToArray());
            }
            var idx = floats.Complete();
            Assert.Equal(ds.Index.Shards.Select(s => s.Tokens), idx.Shards.Select(s => s.Tokens));
            Assert.Equal("float32", idx.Dtype);
            bytes.Complete();
            halves.Complete();
        }

        using var prov = SideShardReader<byte>.Open(tmp.Sub("prov"), ds);
        using var scores = SideShardReader<float>.Open(tmp.Sub("scores"), ds);
        using var half = SideShardReader<Half>.Open(tmp.Sub("half"), ds);
        prov.Verify();
        scores.Verify();
        Assert.Equal(ds.TotalTokens, scores.Count);

        // Fetch side data for sampled windows through windowStarts: aligned token for token.
        const int t = 50, batch = 3;
        var sampler = new WindowSampler(ds, t, seed: 4);
        var inputs = new int[batch * t];
        var targets = new int[batch * t];
        var starts = new long[batch];
        var s = new float[t];
        var p = new byte[t];
        var h = new Half[t];
        for (int i = 0; i < 5; i++)
        {
            sampler.NextBatch(batch, inputs, targets, starts);
            for (int b = 0; b < batch; b++)
            {
                scores.Read(starts[b] + 1, s); // scores for the targets
                prov.Read(starts[b], p);
                half.Read(starts[b], h);
                for (int j = 0; j < t; j++)
                {
                    Assert.Equal(Score(starts[b] + 1 + j, targets[(b * t) + j]), s[j]);
                    Assert.Equal((byte)(ds.DocumentAt(starts[b] + j) % 251), p[j]);
                    Assert.Equal(inputs[(b * t) + j], (int)h[j]);
                }
            }
        }
    }

    [Fact]
    public void SideReader_RefusesMismatchedParentOrDtype()
    {
        using var tmp = new TempDir();
        using var ds = Pack(tmp, "ds", 32);
        using var other = Pack(tmp, "other", 33);
        using (var w = new SideShardWriter<float>(tmp.Sub("scores"), ds))
        {
            w.Append(new float[ds.TotalTokens]);
            w.Complete();
        }

        var ex = Assert.Throws<SiftException>(() => SideShardReader<float>.Open(tmp.Sub("scores"), other));
        Assert.Contains("side-index.json", ex.Message);
        ex = Assert.Throws<SiftException>(() => SideShardReader<byte>.Open(tmp.Sub("scores"), ds));
        Assert.Contains("float32", ex.Message);

        // Same token count, different content: the content fingerprint catches it.
        string copy = tmp.Sub("copy");
        Directory.CreateDirectory(copy);
        foreach (string f in Directory.GetFiles(tmp.Sub("ds")))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }
        string shard = Path.Combine(copy, "shard-00000.bin");
        byte[] bytes = File.ReadAllBytes(shard);
        bytes[0] ^= 1;
        File.WriteAllBytes(shard, bytes);
        var idx = DatasetIndex.Load(copy);
        idx.Shards[0].Sha256 = Sift.Core.IO.Hashing.Sha256File(shard);
        idx.Save(copy);
        using var altered = TokenDataset.Open(copy);
        ex = Assert.Throws<SiftException>(() => SideShardReader<float>.Open(tmp.Sub("scores"), altered));
        Assert.Contains("content", ex.Message);
    }

    [Fact]
    public void SideWriter_RequiresExactlyOneValuePerToken()
    {
        using var tmp = new TempDir();
        using var ds = Pack(tmp, "ds", 34);
        using var w = new SideShardWriter<byte>(tmp.Sub("side"), ds);
        w.Append(new byte[ds.TotalTokens - 1]);
        Assert.Throws<SiftException>(() => w.Complete());
        Assert.False(File.Exists(Path.Combine(tmp.Sub("side"), SideIndex.FileName)));
        Assert.Throws<InvalidOperationException>(() => w.Append(new byte[2]));
        w.Append(new byte[1]);
        w.Complete();
        using var r = SideShardReader<byte>.Open(tmp.Sub("side"), ds);
        Assert.Equal(ds.TotalTokens, r.Count);
    }

    [Fact]
    public void SideVerify_DetectsFlippedByte()
    {
        using var tmp = new TempDir();
        using var ds = Pack(tmp, "ds", 35);
        using (var w = new SideShardWriter<byte>(tmp.Sub("side"), ds))
        {
            w.Append(new byte[ds.TotalTokens]);
            w.Complete();
        }
        string victim = Path.Combine(tmp.Sub("side"), "side-00001.bin");
        byte[] bytes = File.ReadAllBytes(victim);
        bytes[5] ^= 0x80;
        File.WriteAllBytes(victim, bytes);
        using var r = SideShardReader<byte>.Open(tmp.Sub("side"), ds);
        var ex = Assert.Throws<SiftException>(r.Verify);
        Assert.Contains("side-00001.bin", ex.Message);
    }
}
