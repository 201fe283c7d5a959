using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;
using Sift.Serving;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift generate` and `sift score` with --endpoint against a running `sift serve`, next to their local runs.</summary>
[Collection("console")]
public sealed class ServeCliTests
{
    private static string Model(string dir)
    {
        string corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 80).Select(i => new JsonObject { ["text"] = $"Tom has {i % 9} apples and buys {i % 4} more." }.ToJsonString()));
        string model = Path.Combine(dir, "model");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", model, "--vocab-size", "300").Code);
        using var m = new LlamaModel(new LlamaConfig
        {
            VocabSize = 300,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            HeadDim = 16,
            MaxPositionEmbeddings = 256,
            TieWordEmbeddings = true,
        });
        m.InitRandom(3, std: 0.3f);
        HfModelFolder.Save(m, model);
        Assert.Equal(0, Run("data", "pack", "-i", corpus, "-o", Path.Combine(dir, "data"), "--tokenizer", model).Code);
        return model;
    }

    [Fact]
    public async Task GenerateAndScore_ThroughAServer_MatchTheLocalCommands()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-serve").FullName;
        string model = Model(dir);
        await using var server = await SiftServer.StartAsync(model, new ServeOptions { Port = 0, Log = _ => { } }, threads: 1, gemm: "managed");
        string url = server.BaseUrl.ToString();

        var local = Run("generate", "-m", model, "-p", "Tom has", "-p", "apples", "--max-tokens", "8", "--json", "--threads", "1");
        Assert.True(local.Code == 0, local.Err);
        var remote = Run("generate", "--endpoint", url, "-p", "Tom has", "-p", "apples", "--max-tokens", "8", "--json");
        Assert.True(remote.Code == 0, remote.Err);
        Assert.Equal(local.Out, remote.Out);

        string data = Path.Combine(dir, "data");
        var l = Run("score", "-m", model, "--data", data, "-o", Path.Combine(dir, "s-local"), "--seq-len", "32", "--dtype", "float32", "--json", "--threads", "1");
        Assert.True(l.Code == 0, l.Err);
        var r = Run("score", "--endpoint", url, "--served-model", server.ModelName, "--data", data, "-o", Path.Combine(dir, "s-remote"),
            "--seq-len", "32", "--dtype", "float32", "--part", "1/1", "--concurrency", "4", "--json");
        Assert.True(r.Code == 0, r.Err);
        var summary = JsonNode.Parse(r.Out)!;
        Assert.True((bool)summary["complete"]!);
        Assert.Equal((long)JsonNode.Parse(l.Out)!["tokens_scored"]!, (long)summary["tokens_scored"]!);
        double a = ScoresManifest.TryLoad(Path.Combine(dir, "s-local"))!.MeanLoss, b = ScoresManifest.TryLoad(Path.Combine(dir, "s-remote"))!.MeanLoss;
        Assert.Equal(a, b, 4);
    }

    [Fact]
    public async Task Eval_ThroughAServer_WritesTheRun()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-serve-eval").FullName;
        string model = Model(dir);
        string gsm = Path.Combine(dir, "gsm.jsonl");
        File.WriteAllLines(gsm, Enumerable.Range(0, 3).Select(i => new JsonObject { ["question"] = $"What is {i} + 1?", ["answer"] = $"#### {i + 1}", ["idx"] = i }.ToJsonString()));
        await using var server = await SiftServer.StartAsync(model, new ServeOptions { Port = 0, Log = _ => { } }, threads: 1, gemm: "managed");
        string outDir = Path.Combine(dir, "eval");
        var r = Run("eval", "--endpoint", server.BaseUrl.ToString(), "--dataset", "gsm8k", "--data", gsm, "--prompt", "chat",
            "--max-tokens", "4", "-n", "2", "--temperature", "0.7", "-o", outDir, "--json", "--concurrency", "2");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(outDir, "samples.jsonl")).Length);
        Assert.Contains(server.ModelName + "@", File.ReadAllText(Path.Combine(outDir, "run.json")));
        var again = Run("eval", "--endpoint", server.BaseUrl.ToString(), "--dataset", "gsm8k", "--data", gsm, "--prompt", "chat",
            "--max-tokens", "4", "-n", "2", "--temperature", "0.7", "-o", outDir, "--json");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("0 completions generated, 6 reused", again.Err);
    }

    [Fact]
    public void EndpointErrors_AreUserErrors()
    {
        var both = Run("generate", "-m", "x", "--endpoint", "http://127.0.0.1:9/v1", "-p", "a");
        Assert.Equal(2, both.Code);
        Assert.Contains("exactly one of --model", both.Err);
        var down = Run("generate", "--endpoint", "http://127.0.0.1:9/v1", "--served-model", "m", "-p", "a", "--retries", "1");
        Assert.Equal(2, down.Code);
        Assert.Contains("gave up after 2 attempts", down.Err);
        Assert.DoesNotContain("   at ", down.Err);
        var badUrl = Run("score", "--endpoint", "nowhere", "--data", "d", "-o", "o");
        Assert.Equal(2, badUrl.Code);
        Assert.Contains("--endpoint 'nowhere'", badUrl.Err);
    }
}
