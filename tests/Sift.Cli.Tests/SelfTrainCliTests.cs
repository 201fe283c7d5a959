using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift selftrain` through the command line on a tiny random model.</summary>
[Collection("console")]
public sealed class SelfTrainCliTests
{
    [Fact]
    public void OneIteration_WritesTheLayout_JsonSummary_AndBadInputExits2()
    {
        string dir = Directory.CreateTempSubdirectory("sift-selftraincli").FullName;
        string model = EvalCliTests.TinyModel(dir);
        string problems = Path.Combine(dir, "p.jsonl");
        File.WriteAllLines(problems, Enumerable.Range(1, 3).Select(i => new JsonObject
        {
            ["question"] = $"What is {i} + {i}?",
            ["answer"] = $"{i} + {i} = {2 * i}.\n#### {2 * i}",
        }.ToJsonString()));
        string outDir = Path.Combine(dir, "out");
        var (code, output, err) = Run("selftrain", "-m", model, "-p", problems, "--rule", "dpo", "--iterations", "1", "--max-tokens", "6", "--threads", "1",
            "--set", "train.micro_batch=4", "-o", outDir, "--json");
        Assert.True(code == 0, err);
        var s = JsonNode.Parse(output)!;
        Assert.Equal("dpo", (string)s["rule"]!);
        var it = s["iterations"]![0]!;
        Assert.Equal(12, (int)it["metrics"]!["samples"]!);
        // The GSM8K-style answer is the teacher solution: every problem has a positive, so wrong samples make pairs.
        Assert.Equal(3, (int)it["metrics"]!["data"]!["teacher_positives"]!);
        foreach (string f in new[] { "samples.jsonl", "examples.jsonl", "examples/examples.json", "model/model.safetensors", "metrics.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "iter-1", f)), f);
        }
        Assert.Equal(12, File.ReadAllLines(Path.Combine(outDir, "iter-1", "samples.jsonl")).Length);

        File.AppendAllText(problems, """{"question": "What is 9 + 9?"}""" + "\n");
        var bad = Run("selftrain", "-m", model, "-p", problems, "--rule", "kto", "-o", Path.Combine(dir, "bad"));
        Assert.Equal(2, bad.Code);
        Assert.Contains($"{problems}:4: missing field \"answer\"", bad.Err);
    }
}
