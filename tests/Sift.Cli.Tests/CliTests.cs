using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>Drives the real command tree in-process (console redirected; tests in this class run one at a time).</summary>
[Collection("console")]
public sealed class CliTests
{
    [Fact]
    public void Help_IsAGroupedOverviewOfEveryCommand_AndCommandHelpStaysDetailed()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var c in CliApp.Build().Subcommands)
        {
            // Each command on its own line of a workflow group, with a one-line summary.
            Assert.Matches($"(?m)^  {c.Name} +\\S.*$", output);
        }
        Assert.DoesNotContain("Other:", output);
        Assert.True(output.Split('\n').Length < 40, "the overview fits one screen");

        var (subCode, subHelp, _) = Run("score", "--help");
        Assert.Equal(0, subCode);
        Assert.Contains("--part", subHelp);
        Assert.Contains("Usage:", subHelp);
    }

    [Fact]
    public void BadRecipe_ExitsWithUserErrorNamingTheKey()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli").FullName;
        string recipe = Path.Combine(dir, "r.yaml");
        File.WriteAllText(recipe, "data:\n  train: nowhere\ntrain:\n  micro_batch: -3\n");
        var (code, _, err) = Run("train", "--config", recipe);
        Assert.Equal(2, code);
        Assert.Contains("train.micro_batch", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void TokenizerPackTrainGenerateScore_EndToEnd()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli").FullName;
        string corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 200).Select(i =>
            new JsonObject { ["text"] = $"Tom has {i % 9} apples and buys {i % 4} more. Now he has {i % 9 + i % 4} apples." }.ToJsonString()));
        string tok = Path.Combine(dir, "tok");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", tok, "--vocab-size", "300").Code);
        string data = Path.Combine(dir, "data");
        var pack = Run("data", "pack", "-i", corpus, "-o", data, "--tokenizer", tok, "--json");
        Assert.Equal(0, pack.Code);
        Assert.True((long)JsonNode.Parse(pack.Out)!["tokens"]! > 1000);

        string run = Path.Combine(dir, "run");
        var train = Run("train", "--set", $"data.train={data}", "--set", $"out_dir={run}", "--set", "model.preset=tiny",
            "--set", "model.hidden_size=32", "--set", "model.intermediate_size=64", "--set", "model.num_hidden_layers=1",
            "--set", "model.num_attention_heads=2", "--set", "model.num_key_value_heads=2",
            "--set", "train.seq_len=32", "--set", "train.micro_batch=8", "--set", "train.max_steps=30", "--set", "optim.lr=1e-2", "--json");
        Assert.True(train.Code == 0, train.Err);
        var summary = JsonNode.Parse(train.Out)!;
        Assert.Equal(30, (long)summary["steps"]!);
        string model = (string)summary["model_dir"]!;
        Assert.True(File.Exists(Path.Combine(model, "tokenizer.json")));

        var gen = Run("generate", "-m", model, "-p", "Tom has", "--max-tokens", "8", "--json");
        Assert.Equal(0, gen.Code);
        var g = JsonNode.Parse(gen.Out.Trim().Split('\n')[0])!;
        Assert.True(((JsonArray)g["tokens"]!).Count <= 8);

        string scoreIn = Path.Combine(dir, "s.jsonl"), scoreOut = Path.Combine(dir, "s.out.jsonl");
        File.WriteAllText(scoreIn, "{\"text\": \"Tom has 3 apples.\", \"id\": 7}\n{\"tokens\": [1, 2, 3, 4]}\n");
        Assert.Equal(0, Run("score", "-m", model, "-i", scoreIn, "-o", scoreOut).Code);
        var lines = File.ReadAllLines(scoreOut).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(7, (int)lines[0]["id"]!);
        Assert.Equal(((JsonArray)lines[0]["tokens"]!).Count - 1, ((JsonArray)lines[0]["losses"]!).Count);
        Assert.Equal(3, ((JsonArray)lines[1]["losses"]!).Count);
        Assert.All((JsonArray)lines[1]["losses"]!, l => Assert.True((double)l! > 0));

        File.WriteAllText(scoreIn, "{\"tokens\": [1, 99999]}\n");
        var bad = Run("score", "-m", model, "-i", scoreIn, "-o", scoreOut);
        Assert.Equal(2, bad.Code);
        Assert.Contains("s.jsonl:1", bad.Err);
        Assert.Contains("99999", bad.Err);

        string prompts = Path.Combine(dir, "p.jsonl");
        File.WriteAllText(prompts, "{\"tokens\": [1, 5000]}\n");
        var badGen = Run("generate", "-m", model, "-i", prompts, "--max-tokens", "4");
        Assert.Equal(2, badGen.Code);
        Assert.Contains("5000", badGen.Err);
        Assert.Contains("vocabulary", badGen.Err);
        Assert.DoesNotContain("   at ", badGen.Err);
    }

    [Fact]
    public void Bench_Json_ReportsEveryFigure()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli").FullName;
        string cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
             "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 64, "tie_word_embeddings": true}
            """);
        var (code, output, err) = Run("bench", "--config", cfg, "--json", "--seq-len", "32", "--tokens-per-step", "128",
            "--steps", "2", "--warmup", "1", "--decode-tokens", "3", "--threads", "2");
        Assert.True(code == 0, err);
        var j = JsonNode.Parse(output)!;
        Assert.Equal(cfg, (string)j["config"]!);
        Assert.Equal(2, (int)j["threads"]!);
        // 6·N + 12·L·T·q; N per layer: q,k,v 32×(32 + 2·16), o 32×32, gate/up/down 3·32·48; plus the tied head 64×32.
        long n = 2 * (32 * (32 + 2 * 16) + 32 * 32 + 3 * 32 * 48) + 64 * 32;
        Assert.Equal(6.0 * n + 12.0 * 2 * 32 * 32, (double)j["train_flops_per_token"]!);
        foreach (string key in new[] { "train_tokens_per_s", "forward_tokens_per_s", "train_gflops", "sgemm_gflops", "peak_rss_mb",
            "decode_tokens_per_s", "memory_bandwidth_gbs", "decode_over_bandwidth_limit", "train_over_square_sgemm" })
        {
            Assert.True(j[key] is not null && (double)j[key]! > 0, $"{key} = {j[key]}");
        }
        Assert.Equal(2, ((JsonArray)j["train_step_s"]!).Count);
        // The large-square yardstick: the managed kernel always, OpenBLAS where installed; best = the larger.
        var square = j["square_sgemm"]!;
        Assert.Equal(2048, (int)square["size"]!);
        var backends = square["backends"]!.AsObject().Select(kv => (double)kv.Value!).ToList();
        Assert.Contains("managed", square["backends"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(backends.Max(), (double)square["best_gflops"]!, 1);
        // One core's instruction peaks, and the bf16 kernel beside the fp32 backends where bf16-mixed can run.
        var peaks = j["instruction_peaks"]!;
        int bits = (int)peaks["fma_bits"]!;
        Assert.Contains(bits, new[] { 0, 256, 512 });
        Assert.Equal(bits > 0, peaks["fma_gflops_per_core"] is not null && (double)peaks["fma_gflops_per_core"]! > 0);
        bool bf16 = Sift.Engine.Kernels.Bf16Mixed.Bf16Gemm.UnavailableHere() is null;
        Assert.Equal(bf16, square["bf16_gflops"] is not null && (double)square["bf16_gflops"]! > 0);
        Assert.Equal(bf16, peaks["vdpbf16ps_gflops_per_core"] is not null && (double)peaks["vdpbf16ps_gflops_per_core"]! > 0);
        // fp32 training is judged against the best fp32 backend.
        // (the JSON rounds each figure: GFLOP/s to 0.1, the share to 0.001)
        double share = (double)j["train_gflops"]! / (double)square["best_gflops"]!;
        Assert.InRange((double)j["train_over_square_sgemm"]!, share * 0.95 - 0.001, share * 1.05 + 0.001);

        var bad = Run("bench", "--config", "nonesuch");
        Assert.Equal(2, bad.Code);
        Assert.Contains("nonesuch", bad.Err);
    }
}
