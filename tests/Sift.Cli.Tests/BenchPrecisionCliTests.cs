using System.Text.Json.Nodes;
using Sift.Engine.Kernels.Bf16Mixed;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift bench --precision` and `--phases square`: the precision is in the JSON, bad values name the option.</summary>
[Collection("console")]
public sealed class BenchPrecisionCliTests
{
    [Fact]
    public void Bench_Precision_IsReported_OrRefusedWithTheReason()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli").FullName;
        string cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 32,
             "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 64, "tie_word_embeddings": true}
            """);
        string[] common = ["bench", "--config", cfg, "--json", "--seq-len", "32", "--tokens-per-step", "128", "--steps", "1", "--warmup", "0", "--phases", "train"];
        var (code, output, err) = Run([.. common, "--precision", "fp32"]);
        Assert.True(code == 0, err);
        Assert.Equal("fp32", (string)JsonNode.Parse(output)!["precision"]!);

        var bf16 = Run([.. common, "--precision", "bf16-mixed"]);
        if (Bf16Gemm.UnavailableHere() is { } why)
        {
            Assert.Equal(2, bf16.Code);
            Assert.Contains(why, bf16.Err);
        }
        else
        {
            Assert.True(bf16.Code == 0, bf16.Err);
            var j = JsonNode.Parse(bf16.Out)!;
            Assert.Equal("bf16-mixed", (string)j["precision"]!);
            Assert.Equal("bf16", (string)j["gemm"]!);
            Assert.True((double)j["train_tokens_per_s"]! > 0);

            // With the square phase, bf16-mixed training is judged against the bf16 kernel's square GEMM, not fp32's.
            var sq = Run([.. common[..^1], "train,square", "--precision", "bf16-mixed"]);
            Assert.True(sq.Code == 0, sq.Err);
            var s = JsonNode.Parse(sq.Out)!;
            double bf16Square = (double)s["square_sgemm"]!["bf16_gflops"]!;
            double share = (double)s["train_gflops"]! / bf16Square; // the JSON rounds each figure
            Assert.InRange((double)s["train_over_square_sgemm"]!, share * 0.95 - 0.001, share * 1.05 + 0.001);
        }

        var bad = Run([.. common, "--precision", "fp8"]);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--precision", bad.Err);
    }
}
