using System.Text.Json.Nodes;
using Sift.Data.Examples;
using Sift.Text;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>`sift data pack --format pairs` with the tokenizer's chat template, `sift train` dpo, `sift score --per-document`.</summary>
[Collection("console")]
public sealed class PreferenceCliTests
{
    // The generation prompt ends in a newline so that it tokenizes as a prefix of the conversation (a trailing space would
    // merge with the answer's first word under GPT-2 pre-tokenization).
    private const string Template = "{% for m in messages %}[{{ m['role'] }}]\n{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant]\n{% endif %}";

    [Fact]
    public void ChatPairs_PackWithTheTokenizersTemplate_TrainDpo_AndScorePerDocument()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-prefs").FullName;
        string corpus = Path.Combine(dir, "c.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 80).Select(i => new JsonObject { ["text"] = $"[user] What is {i % 9} plus {i % 4}? [assistant] {i % 9 + i % 4}" }.ToJsonString()));
        string tok = Path.Combine(dir, "tok");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", tok, "--vocab-size", "300").Code);
        string cfgPath = Path.Combine(tok, "tokenizer_config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(cfgPath))!.AsObject();
        cfg["chat_template"] = Template;
        File.WriteAllText(cfgPath, cfg.ToJsonString());

        static JsonArray Turn(string role, string content) => [new JsonObject { ["role"] = role, ["content"] = content }];
        string pairs = Path.Combine(dir, "pairs.jsonl");
        File.WriteAllLines(pairs, Enumerable.Range(0, 24).Select(i => new JsonObject
        {
            ["prompt"] = Turn("user", $"What is {i % 9} plus {i % 4}?"),
            ["chosen"] = Turn("assistant", $"{i % 9 + i % 4}"),
            ["rejected"] = Turn("assistant", $"{i % 9 + i % 4 + 1}"),
        }.ToJsonString()));
        string data = Path.Combine(dir, "pairs");
        var pack = Run("data", "pack", "-i", pairs, "-o", data, "--tokenizer", tok, "--format", "pairs", "--json");
        Assert.True(pack.Code == 0, pack.Err);
        Assert.Equal(24, (long)JsonNode.Parse(pack.Out)!["examples"]!);
        using (var set = ExampleSet.Open(data))
        {
            // Document 0 is the first chosen conversation, rendered by the template; only the answer and its end are trained.
            var tokenizer = HfTokenizer.Load(Path.Combine(tok, "tokenizer.json"));
            var (start, n) = set.Document(0);
            var ids = new int[n];
            var mask = new byte[n];
            set.Tokens.ReadTokens(start, ids);
            set.Mask.Read(start, mask);
            Assert.Equal("[user]\nWhat is 0 plus 0?\n[assistant]\n0\n", tokenizer.Decode(ids));
            int firstTrained = Array.IndexOf(mask, (byte)1);
            Assert.Equal("[user]\nWhat is 0 plus 0?\n[assistant]\n", tokenizer.Decode(ids.AsSpan(0, firstTrained)));
        }

        File.WriteAllText(Path.Combine(dir, "bad.jsonl"), new JsonObject { ["prompt"] = "p", ["chosen"] = "a", ["rejected"] = "b" }.ToJsonString() + "\n" +
            new JsonObject { ["prompt"] = "p", ["chosen"] = "a" }.ToJsonString() + "\n");
        var bad = Run("data", "pack", "-i", Path.Combine(dir, "bad.jsonl"), "-o", Path.Combine(dir, "bad"), "--tokenizer", tok, "--format", "pairs");
        Assert.Equal(2, bad.Code);
        Assert.Contains("bad.jsonl:2", bad.Err);
        Assert.Contains("\"rejected\"", bad.Err);

        string[] common = ["train", "--set", $"data.train={data}", "--set", "train.objective=dpo", "--set", "model.preset=tiny", "--set", "model.hidden_size=32",
            "--set", "model.intermediate_size=64", "--set", "model.num_hidden_layers=1", "--set", "model.num_attention_heads=2", "--set", "model.num_key_value_heads=1",
            "--set", "train.seq_len=32", "--set", "train.micro_batch=4", "--set", "train.max_steps=3", "--set", "data.holdout_every=0", "--json"];
        var train = Run([.. common, "--set", $"out_dir={Path.Combine(dir, "run")}"]);
        Assert.True(train.Code == 0, train.Err);
        Assert.Equal(3, (long)JsonNode.Parse(train.Out)!["steps"]!);
        string model = (string)JsonNode.Parse(train.Out)!["model_dir"]!;

        // The trained model as a reference: every document scored alone, then used by a second run.
        string scores = Path.Combine(dir, "ref");
        var score = Run("score", "-m", model, "--data", data, "--per-document", "-o", scores, "--json");
        Assert.True(score.Code == 0, score.Err);
        var again = Run([.. common, "--set", $"out_dir={Path.Combine(dir, "run2")}", "--set", $"data.ref_scores={scores}"]);
        Assert.True(again.Code == 0, again.Err);
        Assert.False(File.Exists(Path.Combine(dir, "run2", "reference_logps.bin")));
        // Window scores are refused for example training, with the command that makes the right kind.
        string windows = Path.Combine(dir, "win");
        Assert.Equal(0, Run("score", "-m", model, "--data", data, "--seq-len", "32", "-o", windows).Code);
        var wrong = Run([.. common, "--set", $"out_dir={Path.Combine(dir, "run3")}", "--set", $"data.ref_scores={windows}"]);
        Assert.Equal(2, wrong.Code);
        Assert.Contains("--per-document", wrong.Err);
    }
}
