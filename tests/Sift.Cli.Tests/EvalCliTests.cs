using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Text.Bpe;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift eval` end to end, in-process (console redirected).</summary>
[Collection("console")]
public sealed class EvalCliTests
{
    [Fact]
    public void UnknownDataset_ListsTheKnownOnes()
    {
        var (code, _, err) = Run("eval", "--dataset", "gsm9k", "--completions", "x.jsonl");
        Assert.Equal(2, code);
        Assert.Contains("unknown dataset 'gsm9k'", err);
        Assert.Contains("math500", err);
        Assert.Contains("sat_math", err);
    }

    [Fact]
    public void Regrade_HarnessOutput_PrintsTheJsonSummary()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalcli").FullName;
        string file = Path.Combine(dir, "out.jsonl");
        File.WriteAllLines(file,
        [
            """{"idx": 0, "question": "1+1?", "gt_cot": "so 2", "gt": "2", "code": [" 1+1=2. The answer is 2.", "The answer is 3."], "pred": ["2", "3"], "score": [true, false], "pred_score": [[0.1], [0.7]]}""",
            """{"idx": 1, "question": "half?", "gt_cot": "so 50", "gt": "50", "code": ["The answer is 0.5.", "The answer is 50."], "pred": ["0.5", "50"], "score": [true, true], "pred_score": [[0.9], [0.2]]}""",
        ]);
        var (code, output, err) = Run("eval", "--completions", file, "--dataset", "gsm8k", "--json", "--out", Path.Combine(dir, "graded"));
        Assert.True(code == 0, err);
        var m = JsonNode.Parse(output)!;
        Assert.Equal(2, (int)m["num_samples"]!);
        Assert.Equal("strict", (string)m["mode"]!);
        // Strict: 0.5 is not 50 (the harness's percentage leniency accepts it).
        Assert.Equal(50.0, (double)m["accuracy"]!);
        Assert.Equal(100.0, (double)m["modes"]!["compat"]!["accuracy"]!);
        Assert.Equal(100.0, (double)m["pass@2"]!);
        Assert.Equal(50.0, (double)m["maj@2"]!);
        Assert.Equal(0.0, (double)m["rm@2"]!);
        Assert.Equal(4, (int)m["stored_verdicts"]!["compared"]!);
        Assert.Equal(4, (int)m["stored_verdicts"]!["compat_agree"]!);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(dir, "graded", "samples.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(dir, "graded", "curves.svg")));
    }

    [Fact]
    public void Regrade_SharedBestOfNFixture_GivesQwensNumbersInCompatMode()
    {
        string? fixture = Sift.Eval.Datasets.SharedData.DataRoot() is { } root ? Path.Combine(root, "qwen_rm_maj_example", "math_cot_100.jsonl") : null;
        if (fixture is null || !File.Exists(fixture))
        {
            return;
        }
        var (code, output, err) = Run("eval", "--completions", fixture, "--dataset", "math", "--mode", "compat", "--json");
        Assert.True(code == 0, err);
        var m = JsonNode.Parse(output)!;
        Assert.Equal((100, 90.0, 93.0, 94.0), ((int)m["num_samples"]!, (double)m["accuracy"]!, (double)m["maj@8"]!, (double)m["rm@8"]!));
    }

    internal static string TinyModel(string dir)
    {
        string path = Path.Combine(dir, "model");
        Directory.CreateDirectory(path);
        var tok = BpeTrainer.Train(Enumerable.Range(0, 30).Select(i => $"What is {i} + {i}? The answer is {2 * i}."), 290, ["<|endoftext|>"]);
        tok.SaveDirectory(path);
        using var m = new LlamaModel(new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 16,
            IntermediateSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            HeadDim = 8,
            MaxPositionEmbeddings = 256,
            TieWordEmbeddings = true,
            EosTokenId = tok.EosId,
        });
        m.InitRandom(3, std: 0.3f);
        HfModelFolder.Save(m, path);
        return path;
    }

    [Fact]
    public void ModelRun_WritesTheRunFolder_AndResumes()
    {
        string dir = Directory.CreateTempSubdirectory("sift-evalcli").FullName;
        string data = Path.Combine(dir, "tiny.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 4).Select(i => new JsonObject { ["question"] = $"What is {i} + {i}?", ["answer"] = $"#### {2 * i}" }.ToJsonString()));
        string model = TinyModel(dir);
        string outDir = Path.Combine(dir, "run");
        string[] args = ["eval", "--model", model, "--dataset", "gsm8k", "--data", data, "--prompt", "chat", "-n", "2", "-t", "0.9", "--limit", "3",
            "--max-tokens", "6", "--out", outDir, "--json", "--trials", "5"];
        var first = Run(args);
        Assert.True(first.Code == 0, first.Err);
        var m = JsonNode.Parse(first.Out)!;
        Assert.Equal((3, 6, 6), ((int)m["num_samples"]!, (int)m["num_completions"]!, (int)m["generated_now"]!));
        foreach (string f in new[] { "samples.jsonl", "metrics.json", "report.md", "curves.svg", "run.json" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        }
        var again = Run(args);
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal((0, 6), ((int)JsonNode.Parse(again.Out)!["generated_now"]!, (int)JsonNode.Parse(again.Out)!["reused"]!));
        Assert.Contains("resuming", again.Err);

        var other = Run([.. args.Select(a => a == "6" ? "7" : a)]);
        Assert.Equal(2, other.Code);
        Assert.Contains("max_tokens: 6 then, 7 now", other.Err);
    }
}
