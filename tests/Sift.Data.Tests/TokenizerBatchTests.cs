using System.Text.Json.Nodes;
using Sift.Text;
using Sift.Text.Tests;

namespace Sift.Data.Tests;

/// <summary>`sift tokenizer encode|decode --input --output`: streamed JSONL, aligned lines, bad lines reported.</summary>
public sealed class TokenizerBatchTests
{
    private static HfTokenizer Llama() => HfTokenizer.FromJson(Fixtures.Llama2Json());

    [Fact]
    public void Encode_adds_ids_without_special_tokens_unless_asked_and_keeps_other_fields()
    {
        using var tmp = new TempDir();
        var tok = Llama();
        Assert.True(tok.AddsBos);
        var docs = TestData.Documents(30, seed: 9);
        string input = TestData.WriteJsonl(tmp.Sub("in.jsonl"), docs);

        var plain = TokenizerBatch.Encode(tok, input, tmp.Sub("plain.jsonl"), addSpecialTokens: false);
        var special = TokenizerBatch.Encode(tok, input, tmp.Sub("special.jsonl"), addSpecialTokens: true);

        Assert.Equal(new TokenizerBatchResult(30, 0), plain);
        Assert.Equal(new TokenizerBatchResult(30, 0), special);
        var a = File.ReadLines(tmp.Sub("plain.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var b = File.ReadLines(tmp.Sub("special.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        for (int i = 0; i < docs.Count; i++)
        {
            int[] ids = [.. a[i]["ids"]!.AsArray().Select(n => (int)n!)];
            Assert.Equal(tok.Encode(docs[i]), ids);
            Assert.Equal([tok.BosId!.Value, .. ids], b[i]["ids"]!.AsArray().Select(n => (int)n!));
            Assert.Equal(i, (int)a[i]["id"]!);
            Assert.Equal(docs[i], (string)a[i]["text"]!);
        }
    }

    [Fact]
    public void Decode_adds_the_decoders_text_and_round_trips_encode()
    {
        using var tmp = new TempDir();
        var tok = Llama();
        var docs = TestData.Documents(20, seed: 10);
        string input = TestData.WriteJsonl(tmp.Sub("in.jsonl"), docs);
        TokenizerBatch.Encode(tok, input, tmp.Sub("ids.jsonl"), addSpecialTokens: false);
        // Drop "text" so decode has to produce it.
        File.WriteAllLines(tmp.Sub("only-ids.jsonl"), File.ReadLines(tmp.Sub("ids.jsonl")).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("text");
            return o.ToJsonString();
        }));

        var r = TokenizerBatch.Decode(tok, tmp.Sub("only-ids.jsonl"), tmp.Sub("text.jsonl"));

        Assert.Equal(0, r.Bad);
        var lines = File.ReadLines(tmp.Sub("text.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(docs, lines.Select(o => (string)o["text"]!));
        int[] withBos = [tok.BosId!.Value, .. tok.Encode("Hello world")];
        File.WriteAllText(tmp.Sub("bos.jsonl"), $"{{\"ids\": [{string.Join(',', withBos)}]}}\n");
        TokenizerBatch.Decode(tok, tmp.Sub("bos.jsonl"), tmp.Sub("bos-out.jsonl"));
        Assert.Equal(tok.Decode(withBos), (string)JsonNode.Parse(File.ReadAllText(tmp.Sub("bos-out.jsonl")))!["text"]!);
    }

    [Fact]
    public void Every_bad_line_is_reported_and_kept_as_an_error_line()
    {
        using var tmp = new TempDir();
        var tok = Llama();
        string input = tmp.Sub("in.jsonl");
        File.WriteAllLines(input, ["{\"ids\": [5, 6]}", "not json", "{\"ids\": [1, 99999]}", "[1, 2]", "{\"ids\": \"x\"}", "", "{\"text\": \"a\"}", "{\"ids\": [7]}"]);
        var reported = new List<string>();

        var r = TokenizerBatch.Decode(tok, input, tmp.Sub("out.jsonl"), reported.Add);

        Assert.Equal(new TokenizerBatchResult(7, 5), r);
        Assert.Equal(5, reported.Count);
        Assert.StartsWith($"{input}:2: invalid JSON", reported[0], StringComparison.Ordinal);
        Assert.Equal($"{input}:3: \"ids\"[1] = 99999 is outside the vocabulary (0..{tok.VocabSize - 1})", reported[1]);
        Assert.Equal($"{input}:4: expected a JSON object", reported[2]);
        Assert.Equal($"{input}:5: \"ids\" must be an array of token ids", reported[3]);
        Assert.Equal($"{input}:7: missing field \"ids\"", reported[4]);
        var lines = File.ReadAllLines(tmp.Sub("out.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(7, lines.Count);
        Assert.Equal(tok.Decode([5, 6]), (string)lines[0]["text"]!);
        Assert.Equal(2, (int)lines[1]["line"]!);
        Assert.Equal(tok.Decode([7]), (string)lines[6]["text"]!);
    }
}
