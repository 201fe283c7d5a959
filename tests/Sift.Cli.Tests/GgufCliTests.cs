using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.LlamaCpp.Backend;
using Sift.Text.Bpe;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift export gguf` and `--backend llamacpp` on generate and score (--input and --data), against the local engine.</summary>
[Collection("console")]
public sealed class GgufCliTests
{
    private static string TinyModel(string dir)
    {
        string path = Path.Combine(dir, "model");
        Directory.CreateDirectory(path);
        var tok = BpeTrainer.Train(Enumerable.Range(0, 30).Select(i => $"What is {i} + {i}? The answer is {2 * i}."), 290, ["<|endoftext|>"]);
        tok.SaveDirectory(path);
        using var m = new LlamaModel(new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 2,
            NumAttentionHeads = 4,
            NumKeyValueHeads = 2,
            HeadDim = 8,
            MaxPositionEmbeddings = 128,
            EosTokenId = tok.EosId,
        });
        m.InitRandom(3, std: 0.3f);
        HfModelFolder.Save(m, path);
        return path;
    }

    [Fact]
    public void ExportThenLlamaCppBackend_MatchesTheLocalEngine()
    {
        if (LlamaCppModel.NativeUnavailableReason() is { } why)
        {
            Console.WriteLine($"SKIPPED: {why}");
            return;
        }
        string dir = Directory.CreateTempSubdirectory("sift-ggufcli").FullName;
        string model = TinyModel(dir);
        string gguf = Path.Combine(dir, "m.gguf");
        var export = Run("export", "gguf", "-m", model, "-o", gguf, "--type", "f32", "--json");
        Assert.True(export.Code == 0, export.Err);
        var summary = JsonNode.Parse(export.Out)!;
        Assert.Equal("llama", (string?)summary["architecture"]);
        Assert.Equal(new FileInfo(gguf).Length, (long)summary["bytes"]!);

        // Greedy decoding: llama.cpp's logits equal Sift's to ~1e-5, so the argmax tokens agree.
        string[] gen = ["generate", "-p", "What is 3 + 3?", "--max-tokens", "12", "--json"];
        var local = Run([.. gen, "-m", model]);
        var cpp = Run([.. gen, "-m", gguf, "--backend", "llamacpp"]);
        Assert.True(local.Code == 0, local.Err);
        Assert.True(cpp.Code == 0, cpp.Err);
        Assert.Equal(JsonNode.Parse(local.Out)!["tokens"]!.ToJsonString(), JsonNode.Parse(cpp.Out)!["tokens"]!.ToJsonString());
        Assert.Equal((string?)JsonNode.Parse(local.Out)!["completion"], (string?)JsonNode.Parse(cpp.Out)!["completion"]);

        // Scoring: the same tokens and losses within 1e-3.
        string input = Path.Combine(dir, "in.jsonl");
        File.WriteAllLines(input, ["{\"text\": \"What is 4 + 4? The answer is 8.\"}", "{\"tokens\": [5, 9, 40, 41, 42]}"]);
        var s1 = Run("score", "-m", model, "-i", input, "-o", Path.Combine(dir, "a.jsonl"), "--json");
        var s2 = Run("score", "-m", gguf, "--backend", "llamacpp", "-i", input, "-o", Path.Combine(dir, "b.jsonl"), "--json");
        Assert.True(s1.Code == 0, s1.Err);
        Assert.True(s2.Code == 0, s2.Err);
        var a = File.ReadAllLines(Path.Combine(dir, "a.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var b = File.ReadAllLines(Path.Combine(dir, "b.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i]["tokens"]!.ToJsonString(), b[i]["tokens"]!.ToJsonString());
            var la = a[i]["losses"]!.AsArray().Select(x => (float)x!).ToArray();
            var lb = b[i]["losses"]!.AsArray().Select(x => (float)x!).ToArray();
            Assert.Equal(la.Length, lb.Length);
            Assert.All(la.Zip(lb), p => Assert.True(MathF.Abs(p.First - p.Second) < 1e-3f, $"{p.First} vs {p.Second}"));
        }

        // Corpus scoring (--data, the reference scores of `train.objective: slm`): the same windows and losses.
        string corpus = Path.Combine(dir, "corpus.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 12).Select(i => new JsonObject { ["text"] = $"What is {i} + {i + 1}? The answer is {2 * i + 1}. What is {i} + {i}?" }.ToJsonString()));
        Assert.Equal(0, Run("data", "pack", "-i", corpus, "-o", Path.Combine(dir, "data"), "--tokenizer", model).Code);
        var d1 = Run("score", "-m", model, "--data", Path.Combine(dir, "data"), "-o", Path.Combine(dir, "sa"), "--seq-len", "32", "--dtype", "float32", "--json");
        var d2 = Run("score", "-m", gguf, "--backend", "llamacpp", "--data", Path.Combine(dir, "data"), "-o", Path.Combine(dir, "sb"), "--seq-len", "32", "--dtype", "float32", "--json");
        Assert.True(d1.Code == 0, d1.Err);
        Assert.True(d2.Code == 0, d2.Err);
        Assert.Equal((long)JsonNode.Parse(d1.Out)!["tokens_scored"]!, (long)JsonNode.Parse(d2.Out)!["tokens_scored"]!);
        double ma = Sift.Pipelines.Selective.ScoresManifest.TryLoad(Path.Combine(dir, "sa"))!.MeanLoss;
        double mb = Sift.Pipelines.Selective.ScoresManifest.TryLoad(Path.Combine(dir, "sb"))!.MeanLoss;
        Assert.Equal(ma, mb, 4);

        var bad = Run("generate", "-m", model, "--backend", "llamacpp", "-p", "x");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("sift export gguf", bad.Err);
        Directory.Delete(dir, true);
    }
}
