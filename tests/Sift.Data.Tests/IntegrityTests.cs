using System.Text.Json.Nodes;
using Sift.Core;

namespace Sift.Data.Tests;

public sealed class IntegrityTests
{
    private static DatasetIndex PackSample(TempDir tmp, long maxShardTokens = 2000)
    {
        string input = TestData.WriteJsonl(tmp.Sub("a.jsonl"), TestData.Documents(200, seed: 11));
        return new ShardPacker(new ByteTokenizer(), new PackOptions { MaxShardTokens = maxShardTokens }).Pack([input], tmp.Sub("ds"));
    }

    [Fact]
    public void Verify_FlippedByte_NamesShardWithExpectedAndActualSha()
    {
        using var tmp = new TempDir();
        var index = PackSample(tmp);
        string victim = Path.Combine(tmp.Sub("ds"), "shard-00001.bin");
        byte[] bytes = File.ReadAllBytes(victim);
        bytes[123] ^= 0x01;
        File.WriteAllBytes(victim, bytes);

        using var ds = TokenDataset.Open(tmp.Sub("ds")); // same length: open succeeds
        var ex = Assert.Throws<SiftException>(ds.Verify);
        Assert.Contains("shard-00001.bin", ex.Message);
        Assert.Contains(index.Shards[1].Sha256, ex.Message);
        Assert.Contains(Sift.Core.IO.Hashing.Sha256File(victim), ex.Message);
    }

    [Fact]
    public void Open_TruncatedShard_NamesFileAndExpectedSize()
    {
        using var tmp = new TempDir();
        var index = PackSample(tmp);
        string victim = Path.Combine(tmp.Sub("ds"), "shard-00002.bin");
        using (var fs = new FileStream(victim, FileMode.Open))
        {
            fs.SetLength(fs.Length - 3);
        }
        var ex = Assert.Throws<SiftException>(() => TokenDataset.Open(tmp.Sub("ds")));
        Assert.Contains("shard-00002.bin", ex.Message);
        Assert.Contains($"expected {index.Shards[2].Bytes} bytes", ex.Message);
    }

    [Fact]
    public void Open_MissingShardOrIndex_IsAnError()
    {
        using var tmp = new TempDir();
        PackSample(tmp);
        File.Delete(Path.Combine(tmp.Sub("ds"), "shard-00000.bin"));
        var ex = Assert.Throws<SiftException>(() => TokenDataset.Open(tmp.Sub("ds")));
        Assert.Contains("shard-00000.bin", ex.Message);
        Assert.Contains("missing", ex.Message);

        File.Delete(Path.Combine(tmp.Sub("ds"), "index.json"));
        ex = Assert.Throws<SiftException>(() => TokenDataset.Open(tmp.Sub("ds")));
        Assert.Contains("index.json", ex.Message);
    }

    [Theory]
    [InlineData("format", "\"other\"", "\"format\"")]
    [InlineData("version", "2", "\"version\"")]
    [InlineData("dtype", "\"int8\"", "\"dtype\"")]
    [InlineData("total_tokens", "5", "\"total_tokens\"")]
    [InlineData("vocab_size", "70000", "\"vocab_size\"")]
    public void Open_InvalidIndexField_NamesTheField(string field, string value, string expectedInMessage)
    {
        using var tmp = new TempDir();
        PackSample(tmp);
        string path = Path.Combine(tmp.Sub("ds"), "index.json");
        var node = JsonNode.Parse(File.ReadAllText(path))!;
        node[field] = JsonNode.Parse(value);
        File.WriteAllText(path, node.ToJsonString());
        var ex = Assert.Throws<SiftException>(() => TokenDataset.Open(tmp.Sub("ds")));
        Assert.Contains(expectedInMessage, ex.Message);
        Assert.Contains("index.json", ex.Message);
    }

    [Fact]
    public void EnsureTokenizer_RefusesADifferentTokenizer()
    {
        using var tmp = new TempDir();
        PackSample(tmp);
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        ds.EnsureTokenizer(new ByteTokenizer());
        var ex = Assert.Throws<SiftException>(() => ds.EnsureTokenizer(new ByteTokenizer(withEos: false)));
        Assert.Contains("fake-byte-tokenizer-v1", ex.Message);
    }

    [Fact]
    public void TokenCodec_VectorDecodeMatchesNaive()
    {
        var rng = new Random(12);
        for (int n = 0; n < 70; n++)
        {
            var src = new ushort[n];
            for (int i = 0; i < n; i++)
            {
                src[i] = (ushort)rng.Next(65_536);
            }
            var fast = new int[n];
            var naive = new int[n];
            TokenCodec.DecodeUInt16(src, fast);
            TokenCodec.DecodeUInt16Naive(src, naive);
            Assert.Equal(naive, fast);
            Assert.Equal(src.Select(x => (int)x), fast);
        }
    }
}
