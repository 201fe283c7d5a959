using System.Text.Json.Nodes;
using Sift.Engine.Checkpoint;
using Sift.Engine.Model;
using Sift.Serving;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift synth augment|agents` over the real chat protocol: the local model served in-process, and an endpoint.</summary>
[Collection("console")]
public sealed class SynthAgentsCliTests
{
    private const string ChatMl = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    private static (string Dir, string Model, string Seeds) Setup()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-agents").FullName;
        string corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 80).Select(i => new JsonObject { ["text"] = $"Tom has {i % 9} apples and buys {i % 4} more." }.ToJsonString()));
        string model = Path.Combine(dir, "model");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", model, "--vocab-size", "300").Code);
        string cfgPath = Path.Combine(model, "tokenizer_config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg["chat_template"] = ChatMl;
        File.WriteAllText(cfgPath, cfg.ToJsonString());
        using var m = new LlamaModel(new LlamaConfig
        {
            VocabSize = 300,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 1,
            HeadDim = 16,
            MaxPositionEmbeddings = 512,
            TieWordEmbeddings = true,
        });
        m.InitRandom(3, std: 0.3f);
        HfModelFolder.Save(m, model);
        string seeds = Path.Combine(dir, "seeds.jsonl");
        File.WriteAllLines(seeds, [new JsonObject { ["id"] = "a", ["question"] = "Tom has 3 apples and buys 4 more." }.ToJsonString(),
            new JsonObject { ["id"] = "b", ["question"] = "Tom has 2 apples and buys 1 more." }.ToJsonString()]);
        return (dir, model, seeds);
    }

    // A random model never finishes in 3 tokens: every reply is cut at --max-tokens, which the agent must see as such.
    private static void AssertTruncatedEverywhere(JsonNode s, string model, int requests)
    {
        Assert.Equal(model, s["model"]!.GetValue<string>());
        Assert.Equal(requests, s["requests"]!.GetValue<int>());
        Assert.Equal(requests, s["rejected"]!["truncated"]!.GetValue<int>());
        Assert.Equal(0, s["written"]!.GetValue<int>());
        Assert.True(s["prompt_tokens"]!.GetValue<long>() > 0);
        Assert.Equal(3L * requests, s["completion_tokens"]!.GetValue<long>());
    }

    [Fact]
    public void Augment_WithALocalModel_GoesThroughTheServersChatPath()
    {
        var (dir, model, seeds) = Setup();
        var (code, output, err) = Run("synth", "augment", "-i", seeds, "-o", Path.Combine(dir, "aug.jsonl"), "-m", model,
            "--modes", "rephrase,change-numbers", "--no-solve", "--max-tokens", "3", "--json");
        Assert.True(code == 0, err);
        AssertTruncatedEverywhere(JsonNode.Parse(output)!, "model", requests: 4);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "aug.jsonl.state.jsonl")).Length);
    }

    [Fact]
    public async Task Agents_WithAnEndpoint_UseTheServedModel()
    {
        var (dir, model, seeds) = Setup();
        await using var server = await SiftServer.StartAsync(model, new ServeOptions { Port = 0, ServedModelName = "toy-served", Log = _ => { } }, threads: 1, gemm: "managed");
        var (code, output, err) = Run("synth", "agents", "--agent", "suggester-editor", "-i", seeds, "-o", Path.Combine(dir, "se.jsonl"),
            "--endpoint", server.BaseUrl.ToString(), "--max-tokens", "3", "--json");
        Assert.True(code == 0, err);
        // The suggester's reply is cut, so each seed stops after one request.
        AssertTruncatedEverywhere(JsonNode.Parse(output)!, "toy-served", requests: 2);
    }

    [Theory]
    [InlineData("--modes", "shout", "unknown augmentation mode 'shout'")]
    [InlineData("--top-p", "0", "--top-p: expected above 0")]
    public void BadOptions_AreUserErrors(string option, string value, string message)
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-agents").FullName;
        string seeds = Path.Combine(dir, "s.jsonl");
        File.WriteAllText(seeds, "{\"question\": \"q\"}\n");
        var (code, _, err) = Run("synth", "augment", "-i", seeds, "-o", Path.Combine(dir, "o.jsonl"), "--endpoint", "http://127.0.0.1:9/v1", "--served-model", "x", option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void ModelAndEndpoint_AreExclusive()
    {
        var (code, _, err) = Run("synth", "augment", "-i", "s.jsonl", "-o", "o.jsonl");
        Assert.Equal(2, code);
        Assert.Contains("give exactly one of --model", err);
    }
}
