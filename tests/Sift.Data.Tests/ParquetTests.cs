using System.Text.Json.Serialization;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using Sift.Core;

namespace Sift.Data.Tests;

/// <summary>Parquet files written with Parquet.Net and read back through Sift's readers and the packer.</summary>
public sealed class ParquetTests
{
    public sealed class Row
    {
        [JsonPropertyName("id")]
        public int Id { get; set; }

        [JsonPropertyName("text")]
        public string Text { get; set; } = "";

        [JsonPropertyName("score")]
        public double Score { get; set; }

        [JsonPropertyName("ok")]
        public bool Ok { get; set; }

        [JsonPropertyName("choices")]
        public List<string> Choices { get; set; } = [];
    }

    private static List<Row> Rows(IReadOnlyList<string> docs) =>
        [.. docs.Select((d, i) => new Row { Id = i, Text = d, Score = i * 0.25, Ok = i % 2 == 0, Choices = [$"a{i}", $"b{i}"] })];

    private static string Write(string path, IReadOnlyList<string> docs)
    {
        ParquetSerializer.SerializeAsync(Rows(docs), path).GetAwaiter().GetResult();
        return path;
    }

    /// <summary>Two row groups of (id, text) written column by column.</summary>
    private static async Task WriteTwoGroups(string path, IReadOnlyList<string> docs, int split)
    {
        var id = new DataField<int>("id");
        var text = new DataField<string>("text");
        await using var fs = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, text), fs);
        foreach (var (from, to) in new[] { (0, split), (split, docs.Count) })
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(id, Enumerable.Range(from, to - from).ToArray().AsMemory());
            await group.WriteAsync(text, docs.Skip(from).Take(to - from).ToArray());
        }
    }

    [Fact]
    public void Rows_read_back_as_json_records_with_every_type()
    {
        using var tmp = new TempDir();
        var docs = TestData.Documents(25, seed: 3);
        string path = Write(tmp.Sub("a.parquet"), docs);

        Assert.Equal(["id", "text", "score", "ok", "choices"], ParquetRows.Columns(path));
        var records = ParquetRows.ReadRecords(path).ToList();
        Assert.Equal(docs.Count, records.Count);
        for (int i = 0; i < docs.Count; i++)
        {
            var (row, o) = records[i];
            Assert.Equal(i + 1, row);
            Assert.Equal(i, (int)o["id"]!);
            Assert.Equal(docs[i], (string)o["text"]!);
            Assert.Equal(i * 0.25, (double)o["score"]!);
            Assert.Equal(i % 2 == 0, (bool)o["ok"]!);
            Assert.Equal([$"a{i}", $"b{i}"], o["choices"]!.AsArray().Select(n => (string)n!));
        }
    }

    [Fact]
    public async Task Several_row_groups_stream_in_order()
    {
        using var tmp = new TempDir();
        var docs = TestData.Documents(40, seed: 4);
        string path = tmp.Sub("g.parquet");
        await WriteTwoGroups(path, docs, 17);
        Assert.Equal(docs, ParquetRows.ReadStrings(path, "text").Select(r => r.Value));
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), ParquetRows.ReadStrings(path, "text").Select(r => r.Row));
        Assert.Equal(docs, ParquetRows.ReadRecords(path).Select(r => (string)r.Record["text"]!));
    }

    [Fact]
    public void A_missing_column_lists_the_columns_present()
    {
        using var tmp = new TempDir();
        string path = Write(tmp.Sub("a.parquet"), ["x"]);
        var ex = Assert.Throws<SiftException>(() => ParquetRows.ReadStrings(path, "content").ToList());
        Assert.Contains("no column \"content\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("columns present: id, text, score, ok, choices", ex.Message, StringComparison.Ordinal);
        var notText = Assert.Throws<SiftException>(() => ParquetRows.ReadStrings(path, "id").ToList());
        Assert.Contains("expected strings", notText.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_parquet_is_a_clear_error()
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("bad.parquet");
        File.WriteAllText(path, "{\"text\": \"this is JSON\"}\n");
        var ex = Assert.Throws<SiftException>(() => ParquetRows.ReadRecords(path).ToList());
        Assert.Contains("not a readable Parquet file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pack_of_parquet_equals_pack_of_the_same_documents_as_jsonl()
    {
        using var tmp = new TempDir();
        var docs = TestData.Documents(120, seed: 5);
        var tok = new ByteTokenizer();
        string parquet = Write(tmp.Sub("in.parquet"), docs);
        string jsonl = TestData.WriteJsonl(tmp.Sub("in.jsonl"), docs);

        new ShardPacker(tok, new PackOptions { MaxShardTokens = 3000 }).Pack([parquet], tmp.Sub("p"));
        new ShardPacker(tok, new PackOptions { MaxShardTokens = 3000 }).Pack([jsonl], tmp.Sub("j"));

        using var fromParquet = TokenDataset.Open(tmp.Sub("p"));
        using var fromJsonl = TokenDataset.Open(tmp.Sub("j"));
        Assert.Equal(TestData.ExpectedStream(tok, docs), TestData.ReadAll(fromParquet));
        Assert.Equal(TestData.ReadAll(fromJsonl), TestData.ReadAll(fromParquet));
        Assert.Equal(docs.Count, fromParquet.Index.DocumentCount);
    }

    [Fact]
    public void Pack_names_the_missing_column()
    {
        using var tmp = new TempDir();
        string parquet = Write(tmp.Sub("in.parquet"), ["a", "b"]);
        var ex = Assert.Throws<SiftException>(() => new ShardPacker(new ByteTokenizer(), new PackOptions { TextField = "body" }).Pack([parquet], tmp.Sub("p")));
        Assert.Contains("columns present: id, text", ex.Message, StringComparison.Ordinal);
    }
}
