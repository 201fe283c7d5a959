using FsCheck;
using FsCheck.Fluent;
using Sift.Core;

namespace Sift.Data.Tests;

public sealed class PackerTests
{
    [Fact]
    public void Pack_Jsonl_ReadsBackTheTokenizerStreamWithEosBetweenDocuments()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        var docsA = TestData.Documents(300, seed: 1);
        var docsB = TestData.Documents(200, seed: 2);
        string a = TestData.WriteJsonl(tmp.Sub("a.jsonl"), docsA);
        string b = TestData.WriteJsonl(tmp.Sub("b.jsonl"), docsB);
        var index = new ShardPacker(tok, new PackOptions { MaxShardTokens = 5000, BatchDocuments = 37 })
            .Pack([a, b], tmp.Sub("ds"));

        var all = docsA.Concat(docsB).ToList();
        var expected = TestData.ExpectedStream(tok, all);
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal(expected, TestData.ReadAll(ds));
        Assert.Equal(TokenDType.UInt16, ds.DType);
        Assert.Equal(expected.Count, ds.TotalTokens);
        Assert.Equal(all.Count, ds.DocumentCount);
        Assert.True(index.EosAfterEachDocument);
        Assert.Equal(256, ds.EosId);
        Assert.True(index.Shards.Count > 3);

        // Every document decodes back to its text and ends with EOS.
        for (int d = 0; d < all.Count; d++)
        {
            var (start, length) = ds.Document(d);
            var ids = new int[length];
            ds.ReadTokens(start, ids);
            Assert.Equal(256, ids[^1]);
            Assert.Equal(all[d], tok.Decode(ids.AsSpan(0, ids.Length - 1)));
            Assert.Equal(d, ds.DocumentAt(start));
            Assert.Equal(d, ds.DocumentAt(start + length - 1));
        }

        // Only final files remain: no temp files.
        Assert.DoesNotContain(Directory.GetFiles(tmp.Sub("ds")), f => Path.GetFileName(f).StartsWith('.'));
        ds.Verify();
    }

    [Fact]
    public void ReadTokens_AnySliceEqualsTheExpectedStream()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        var docs = TestData.Documents(200, seed: 3);
        new ShardPacker(tok, new PackOptions { MaxShardTokens = 777 }).Pack([TestData.WriteJsonl(tmp.Sub("a.jsonl"), docs)], tmp.Sub("ds"));
        int[] expected = TestData.ExpectedStream(tok, docs).ToArray();
        using var ds = TokenDataset.Open(tmp.Sub("ds"));

        Prop.ForAll(
            ArbMap.Default.ArbFor<(NonNegativeInt, NonNegativeInt)>(),
            p =>
            {
                int start = p.Item1.Get % expected.Length;
                int len = p.Item2.Get % (expected.Length - start + 1);
                var got = new int[len];
                ds.ReadTokens(start, got);
                return got.AsSpan().SequenceEqual(expected.AsSpan(start, len));
            }).QuickCheckThrowOnFailure();

        Assert.Throws<ArgumentOutOfRangeException>(() => ds.ReadTokens(expected.Length - 2, new int[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.ReadTokens(-1, new int[1]));
    }

    [Fact]
    public void Pack_VocabAbove65535_StoresUInt32()
    {
        using var tmp = new TempDir();
        var tok = new WideTokenizer();
        var docs = TestData.Documents(50, seed: 4);
        var index = new ShardPacker(tok).Pack([TestData.WriteJsonl(tmp.Sub("a.jsonl"), docs)], tmp.Sub("ds"));
        Assert.Equal("uint32", index.Dtype);
        var expected = TestData.ExpectedStream(tok, docs);
        Assert.Contains(expected, id => id > 65_535);
        Assert.Equal(expected.Count * 4L, new FileInfo(Path.Combine(tmp.Sub("ds"), "shard-00000.bin")).Length);
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal(TokenDType.UInt32, ds.DType);
        Assert.Equal(expected, TestData.ReadAll(ds));
    }

    [Fact]
    public void Pack_TokenizerWithoutEos_WritesNoSeparators()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer(withEos: false);
        var docs = TestData.Documents(40, seed: 5);
        var index = new ShardPacker(tok).Pack([TestData.WriteJsonl(tmp.Sub("a.jsonl"), docs)], tmp.Sub("ds"));
        Assert.False(index.EosAfterEachDocument);
        Assert.Null(index.EosId);
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal(docs.Sum(d => tok.Encode(d).Length), ds.TotalTokens);
        Assert.Equal(TestData.ExpectedStream(tok, docs), TestData.ReadAll(ds));
        Assert.Equal(docs[1], tok.Decode(ReadDocument(ds, 1)));
    }

    [Fact]
    public void Pack_OutputIsByteIdenticalForAnyThreadCountAndBatchSize()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        string input = TestData.WriteJsonl(tmp.Sub("a.jsonl"), TestData.Documents(2000, seed: 6));
        new ShardPacker(tok, new PackOptions { Threads = 1, MaxShardTokens = 10_000, BatchDocuments = 1000 }).Pack([input], tmp.Sub("one"));
        new ShardPacker(tok, new PackOptions { Threads = 4, MaxShardTokens = 10_000, BatchDocuments = 7, BatchChars = 500 }).Pack([input], tmp.Sub("four"));

        var one = Directory.GetFiles(tmp.Sub("one")).Select(f => Path.GetFileName(f)!).Order().ToArray();
        var four = Directory.GetFiles(tmp.Sub("four")).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(one, four);
        Assert.Contains("index.json", one);
        Assert.Contains("shard-00003.bin", one);
        foreach (string f in one)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Sub("one"), f)), File.ReadAllBytes(Path.Combine(tmp.Sub("four"), f)));
        }
    }

    [Fact]
    public void Pack_RollsShardsAtMaxTokens_DocumentsSpanBoundaries()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        var docs = TestData.Documents(400, seed: 7);
        const int max = 1000;
        var index = new ShardPacker(tok, new PackOptions { MaxShardTokens = max }).Pack([TestData.WriteJsonl(tmp.Sub("a.jsonl"), docs)], tmp.Sub("ds"));
        using var ds = TokenDataset.Open(tmp.Sub("ds"));

        Assert.All(index.Shards.SkipLast(1), s => Assert.Equal(max, s.Tokens));
        Assert.InRange(index.Shards[^1].Tokens, 1, max);
        Assert.Equal((ds.TotalTokens + max - 1) / max, index.Shards.Count);
        bool anySpan = false;
        long shardStart = 0;
        foreach (var s in index.Shards)
        {
            Assert.Equal(s.Bytes, new FileInfo(Path.Combine(ds.Folder, s.File)).Length);
            // first_document is the document holding the shard's first token.
            Assert.Equal(ds.DocumentAt(shardStart), s.FirstDocument);
            anySpan |= ds.DocumentStart(s.FirstDocument) < shardStart;
            shardStart += s.Tokens;
        }
        Assert.True(anySpan, "some document should straddle a shard boundary");
        Assert.Equal(TestData.ExpectedStream(tok, docs), TestData.ReadAll(ds));
    }

    [Fact]
    public void Pack_PlainText_SplitsOnBlankLines_OrPerFile()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        string txt = tmp.Sub("corpus.txt");
        File.WriteAllText(txt, "\n\nfirst doc line 1\r\nline 2\n\n\n  \t \nsecond ∑ doc\n\nthird\n");
        new ShardPacker(tok).Pack([txt], tmp.Sub("blocks"));
        using (var ds = TokenDataset.Open(tmp.Sub("blocks")))
        {
            Assert.Equal(3, ds.DocumentCount);
            Assert.Equal("first doc line 1\nline 2", tok.Decode(ReadDocument(ds, 0)));
            Assert.Equal("second ∑ doc", tok.Decode(ReadDocument(ds, 1)));
            Assert.Equal("third", tok.Decode(ReadDocument(ds, 2)));
        }

        string other = tmp.Sub("other.md");
        File.WriteAllText(other, "whole\n\nfile\n");
        new ShardPacker(tok, new PackOptions { TextSplit = TextSplit.WholeFile }).Pack([txt, other], tmp.Sub("files"));
        using (var ds = TokenDataset.Open(tmp.Sub("files")))
        {
            Assert.Equal(2, ds.DocumentCount);
            Assert.Equal(File.ReadAllText(txt), tok.Decode(ReadDocument(ds, 0)));
            Assert.Equal("whole\n\nfile\n", tok.Decode(ReadDocument(ds, 1)));
        }
    }

    [Fact]
    public void Pack_SingleBigTextFile_StreamsManyDocumentsAcrossBatches()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        var docs = TestData.Documents(3000, seed: 8).Select(d => d.Replace('\n', ' ')).ToList();
        string txt = tmp.Sub("big.txt");
        File.WriteAllText(txt, string.Join("\n\n", docs) + "\n");
        var seen = new List<PackProgress>();
        var index = new ShardPacker(tok, new PackOptions { BatchDocuments = 100, MaxShardTokens = 50_000 }).Pack([txt], tmp.Sub("ds"), seen.Add);
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal(docs.Count, ds.DocumentCount);
        Assert.Equal(TestData.ExpectedStream(tok, docs), TestData.ReadAll(ds));

        // Progress is monotone and ends at the totals.
        Assert.True(seen.Count > 10);
        for (int i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Documents >= seen[i - 1].Documents && seen[i].Tokens >= seen[i - 1].Tokens && seen[i].BytesRead >= seen[i - 1].BytesRead);
        }
        long size = new FileInfo(txt).Length;
        Assert.Equal(new PackProgress(docs.Count, ds.TotalTokens, size, size, index.Shards.Count), seen[^1]);
    }

    [Fact]
    public void Pack_FolderInput_TakesFilesInOrdinalOrder_AndSkipsEmptyDocuments()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        Directory.CreateDirectory(tmp.Sub("in/sub"));
        TestData.WriteJsonl(tmp.Sub("in/b.jsonl"), ["b1", "", "b2"]);
        TestData.WriteJsonl(tmp.Sub("in/a.jsonl"), ["a1"]);
        TestData.WriteJsonl(tmp.Sub("in/sub/c.jsonl"), ["c1"]);
        new ShardPacker(tok).Pack([tmp.Sub("in")], tmp.Sub("ds"));
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal(4, ds.DocumentCount);
        Assert.Equal(TestData.ExpectedStream(tok, ["a1", "b1", "b2", "c1"]), TestData.ReadAll(ds));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"", "bad JSON")]
    [InlineData("{\"body\": \"no text field\"}", "missing field \"text\"")]
    [InlineData("{\"text\": 42}", "field \"text\" is a number, expected a string")]
    [InlineData("[\"text\"]", "expected a JSON object, got an array")]
    public void Pack_BadJsonlLine_ErrorNamesFileLineAndProblem(string badLine, string problem)
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("broken.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"one\"}", "", badLine, "{\"text\": 5}"]);
        var ex = Assert.Throws<SiftException>(() => new ShardPacker(new ByteTokenizer(), new PackOptions { Threads = 2 }).Pack([path], tmp.Sub("ds")));
        Assert.Contains($"broken.jsonl:3:", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("ds"), "index.json")));
        Assert.Empty(Directory.GetFiles(tmp.Sub("ds"), ".*"));
    }

    [Fact]
    public void Pack_CustomTextField()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        string path = TestData.WriteJsonl(tmp.Sub("a.jsonl"), ["x = 1", "y = 2"], field: "problem");
        new ShardPacker(tok, new PackOptions { TextField = "problem" }).Pack([path], tmp.Sub("ds"));
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal("y = 2", tok.Decode(ReadDocument(ds, 1)));
    }

    [Fact]
    public void Pack_IntoExistingDataset_RefusesUnlessOverwrite_AndRemovesStaleShards()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        string big = TestData.WriteJsonl(tmp.Sub("big.jsonl"), TestData.Documents(100, seed: 9));
        string small = TestData.WriteJsonl(tmp.Sub("small.jsonl"), ["tiny"]);
        new ShardPacker(tok, new PackOptions { MaxShardTokens = 500 }).Pack([big], tmp.Sub("ds"));
        var ex = Assert.Throws<SiftException>(() => new ShardPacker(tok).Pack([small], tmp.Sub("ds")));
        Assert.Contains("already holds a dataset", ex.Message);

        new ShardPacker(tok, new PackOptions { Overwrite = true }).Pack([small], tmp.Sub("ds"));
        Assert.Equal(["documents.bin", "index.json", "shard-00000.bin"], Directory.GetFiles(tmp.Sub("ds")).Select(Path.GetFileName).Order());
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        Assert.Equal("tiny", tok.Decode(ReadDocument(ds, 0)));
    }

    internal static int[] ReadDocument(TokenDataset ds, long d)
    {
        var (start, length) = ds.Document(d);
        var ids = new int[length];
        ds.ReadTokens(start, ids);
        return ds.Index.EosAfterEachDocument ? ids[..^1] : ids;
    }
}
