using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Text.Bpe;

namespace Sift.Text.Tests;

public sealed class LoadSaveTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sift-text-" + Guid.NewGuid().ToString("N"));

    public LoadSaveTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("trained")]
    [InlineData("gpt2")]
    [InlineData("llama2")]
    [InlineData("metaspace")]
    public void Save_then_load_gives_identical_encodings_and_bytes(string kind)
    {
        HfTokenizer t = kind switch
        {
            "trained" => BpeTrainer.Train(Fixtures.SmallCorpus(), 500, ["<|endoftext|>"]),
            "gpt2" => HfTokenizer.FromJson(Fixtures.Gpt2Json()),
            "llama2" => HfTokenizer.FromJson(Fixtures.Llama2Json()),
            _ => HfTokenizer.FromJson(Fixtures.Llama2Json(metaspace: true)),
        };
        string path = Path.Combine(_dir, "tokenizer.json");
        t.Save(path);
        var loaded = HfTokenizer.Load(path);
        string text = string.Concat(Fixtures.SmallCorpus().Take(6)) + " Hello world 😀 é<|endoftext|><s>";
        Assert.Equal(t.Encode(text), loaded.Encode(text));
        Assert.Equal(t.Encode(text, allowSpecial: true), loaded.Encode(text, allowSpecial: true));
        Assert.Equal(t.Fingerprint, loaded.Fingerprint);
        Assert.Equal(t.VocabSize, loaded.VocabSize);
        Assert.Equal(t.BosId, loaded.BosId);
        Assert.Equal(t.EosId, loaded.EosId);
        Assert.Equal(t.AddsBos, loaded.AddsBos);
        string second = Path.Combine(_dir, "again.json");
        loaded.Save(second);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(second));
        Assert.Equal(Sift.Core.IO.Hashing.Sha256File(path), t.Fingerprint);
    }

    [Fact]
    public void Factory_loads_folder_with_config_and_reports_missing_file()
    {
        var t = HfTokenizer.FromJson(Fixtures.Llama2Json());
        t.Save(Path.Combine(_dir, "tokenizer.json"));
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"bos_token": "<s>", "eos_token": "</s>", "chat_template": "T"}""");
        var loaded = TokenizerFactory.Load(_dir);
        Assert.Equal("T", loaded.ChatTemplate);
        Assert.Equal([15043, 3186], loaded.Encode("Hello world"));

        string empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var e = Assert.Throws<SiftException>(() => TokenizerFactory.Load(empty));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Throws<SiftException>(() => TokenizerFactory.Load(Path.Combine(_dir, "nope")));
    }

    [Fact]
    public void SaveDirectory_keeps_bos_eos_through_a_reload()
    {
        var t = HfTokenizer.FromJson(Fixtures.Llama2Json(), configJson: """{"bos_token": "<s>", "eos_token": "</s>", "chat_template": "X"}""");
        t.SaveDirectory(_dir);
        var loaded = TokenizerFactory.Load(_dir);
        Assert.Equal(1, loaded.BosId);
        Assert.Equal(2, loaded.EosId);
        Assert.Equal("X", loaded.ChatTemplate);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void Unsupported_model_types_are_named(string type)
    {
        var root = JsonNode.Parse(Fixtures.Gpt2Json())!;
        root["model"]!["type"] = type;
        var e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(root.ToJsonString(), "m/tokenizer.json"));
        Assert.Contains(type, e.Message);
        Assert.Contains("BPE", e.Message);
        Assert.Contains("m/tokenizer.json", e.Message);
    }

    [Theory]
    [InlineData("model.vocab", "vocab", "[1,2]")]
    [InlineData("model.merges[0]", "merges", "[\"ab\"]")]
    [InlineData("model.merges", "merges", "\"x y\"")]
    [InlineData("model.merges[0]", "merges", "[\"q z\"]")]
    public void Malformed_model_fields_are_named(string field, string key, string json)
    {
        var root = JsonNode.Parse(Fixtures.Gpt2Json())!;
        root["model"]![key] = JsonNode.Parse(json);
        var e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(root.ToJsonString()));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Malformed_pipeline_and_json_are_reported()
    {
        var root = JsonNode.Parse(Fixtures.Gpt2Json())!;
        root["pre_tokenizer"] = JsonNode.Parse("""{"type": "Whitespace"}""");
        var e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(root.ToJsonString()));
        Assert.Contains("pre_tokenizer.type", e.Message);
        Assert.Contains("Whitespace", e.Message);

        root = JsonNode.Parse(Fixtures.Gpt2Json())!;
        root["added_tokens"]![0]!["id"] = "x";
        e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(root.ToJsonString()));
        Assert.Contains("added_tokens[0].id", e.Message);

        root = JsonNode.Parse(Fixtures.Gpt2Json())!;
        root["model"]!["vocab"]!.AsObject().Remove("Ġ");
        e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson(root.ToJsonString()));
        Assert.Contains("model.merges", e.Message); // "Ġ w" now names a missing token

        e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson("{\"model\": ", "broken.json"));
        Assert.Contains("broken.json", e.Message);
        e = Assert.Throws<SiftException>(() => HfTokenizer.FromJson("{}", "empty.json"));
        Assert.Contains("'model'", e.Message);
        Assert.Throws<SiftException>(() => HfTokenizer.Load(Path.Combine(_dir, "missing.json")));
    }
}
