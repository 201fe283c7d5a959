using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Parquet.Serialization;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Hub.Tests;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>-m org/name through the real commands (a local fake Hub; HF_* variables set for the test), and batch tokenizer files.</summary>
[Collection("console")]
public sealed class HubCliTests
{
    private const string Commit = "1111111111111111111111111111111111111111";

    public sealed class TokensRow
    {
        [JsonPropertyName("id")]
        public int Id { get; set; }

        [JsonPropertyName("tokens")]
        public List<int> Tokens { get; set; } = [];
    }

    public sealed class IdRow
    {
        [JsonPropertyName("id")]
        public int Id { get; set; }
    }

    [Fact]
    public async Task Generate_takes_a_hub_model_id_then_works_offline_from_the_cache_and_scores_parquet()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-hub").FullName;
        string local = Path.Combine(dir, "model");
        var cfg = ModelPresets.Find("tiny")!;
        using (var m = new LlamaModel(cfg))
        {
            m.InitRandom(1, std: 0.02f);
            HfModelFolder.Save(m, local);
        }
        using var hub = new FakeHub();
        var repo = new FakeRepo(Commit);
        foreach (string f in Directory.GetFiles(local))
        {
            string name = Path.GetFileName(f);
            repo.Files[name] = new FakeFile(File.ReadAllBytes(f), lfs: name.EndsWith(".safetensors", StringComparison.Ordinal));
        }
        hub.Add("org/tiny", repo);
        string prompts = Path.Combine(dir, "p.jsonl");
        File.WriteAllText(prompts, "{\"tokens\": [1, 2, 3]}\n");
        string cache = Path.Combine(dir, "hf");

        var online = WithEnv(new() { ["HF_ENDPOINT"] = hub.Endpoint, ["HF_HUB_CACHE"] = cache, ["HF_HUB_OFFLINE"] = null },
            () => Run("generate", "-m", "org/tiny", "-i", prompts, "--max-tokens", "3", "--json"));
        Assert.True(online.Code == 0, online.Err);
        var first = JsonNode.Parse(online.Out.Trim().Split('\n')[0])!;
        Assert.True(File.Exists(Path.Combine(cache, "models--org--tiny", "snapshots", Commit, "config.json")));

        var offline = WithEnv(new() { ["HF_ENDPOINT"] = "http://127.0.0.1:1", ["HF_HUB_CACHE"] = cache, ["HF_HUB_OFFLINE"] = null },
            () => Run("generate", "-m", "org/tiny", "--offline", "-i", prompts, "--max-tokens", "3", "--json"));
        Assert.True(offline.Code == 0, offline.Err);
        Assert.Equal(first["tokens"]!.ToJsonString(), JsonNode.Parse(offline.Out.Trim().Split('\n')[0])!["tokens"]!.ToJsonString());

        // The snapshot is a model folder like any other: score token ids from Parquet with it.
        string snapshot = Path.Combine(cache, "models--org--tiny", "snapshots", Commit);
        string parquet = Path.Combine(dir, "s.parquet"), scored = Path.Combine(dir, "s.out.jsonl");
        await ParquetSerializer.SerializeAsync(new[] { new TokensRow { Id = 4, Tokens = [1, 2, 3, 4] }, new TokensRow { Id = 5, Tokens = [5, 6] } }, parquet);
        var score = Run("score", "-m", snapshot, "-i", parquet, "-o", scored);
        Assert.True(score.Code == 0, score.Err);
        var lines = File.ReadAllLines(scored).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([4, 5], lines.Select(l => (int)l["id"]!));
        Assert.Equal([3, 1], lines.Select(l => ((JsonArray)l["losses"]!).Count));
        Assert.False(File.Exists(scored + $".{Environment.ProcessId}.input.jsonl"));
        string noTokens = Path.Combine(dir, "n.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new IdRow { Id = 1 } }, noTokens);
        var bad = Run("score", "-m", snapshot, "-i", noTokens, "-o", scored);
        Assert.Equal(2, bad.Code);
        Assert.Contains("no column \"text\" or \"tokens\" (columns present: id)", bad.Err);

        var missing = WithEnv(new() { ["HF_HUB_CACHE"] = cache, ["HF_HUB_OFFLINE"] = "1" },
            () => Run("generate", "-m", "org/other", "-i", prompts));
        Assert.Equal(2, missing.Code);
        Assert.Contains("HF_HUB_OFFLINE", missing.Err);
        Assert.DoesNotContain("   at ", missing.Err);
    }

    [Fact]
    public void Tokenizer_encode_and_decode_batch_files()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-tok").FullName;
        string corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 50).Select(i => new JsonObject { ["text"] = $"x = {i} + {i * 3} and y = {i % 7}" }.ToJsonString()));
        string tok = Path.Combine(dir, "tok");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", tok, "--vocab-size", "280").Code);

        string ids = Path.Combine(dir, "ids.jsonl"), text = Path.Combine(dir, "text.jsonl");
        var enc = Run("tokenizer", "encode", "--tokenizer", tok, "--input", corpus, "--output", ids);
        Assert.True(enc.Code == 0, enc.Err);
        var idLines = File.ReadAllLines(ids).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            o.Remove("text");
            return o.ToJsonString();
        }).Append("{\"ids\": [99999]}").ToList();
        File.WriteAllLines(ids, idLines);
        var dec = Run("tokenizer", "decode", "--tokenizer", tok, "--input", ids, "--output", text);
        Assert.Equal(2, dec.Code);
        Assert.True(dec.Err.Contains($"{ids}:51: \"ids\"[0] = 99999 is outside the vocabulary", StringComparison.Ordinal), dec.Err);
        var original = File.ReadLines(corpus).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();
        var decoded = File.ReadLines(text).Take(50).Select(l => (string)JsonNode.Parse(l)!["text"]!).ToList();
        Assert.Equal(original, decoded);

        var both = Run("tokenizer", "decode", "--tokenizer", tok, "--input", ids);
        Assert.Equal(2, both.Code);
        Assert.Contains("--output", both.Err);
    }

    private static T WithEnv<T>(Dictionary<string, string?> vars, Func<T> body)
    {
        var saved = vars.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (k, v) in vars)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
            return body();
        }
        finally
        {
            foreach (var (k, v) in saved)
            {
                Environment.SetEnvironmentVariable(k, v);
            }
        }
    }
}
