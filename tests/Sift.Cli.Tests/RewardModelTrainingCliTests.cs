using System.Text.Json.Nodes;
using static Sift.Cli.Tests.CliRunner;

namespace Sift.Cli.Tests;

/// <summary>
/// Reward-model training end to end through the command line: `sift data pack --format prm|orm` → `sift train`
/// (train.objective prm|orm) → `sift rm score` on held-out solutions with the trained model. The labels follow a rule
/// (a step is bad exactly when it ends with the word "oops"), so a trained model must score held-out steps almost perfectly.
/// </summary>
[Collection("console")]
public sealed class RewardModelTrainingCliTests
{
    private const string Question = "Count:";
    private static readonly string[] Words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    // A solution of 1–3 steps, each bad (ends with "oops") with probability 1/2.
    private static (string[] Steps, bool[] Good) Solution(Random r)
    {
        int n = r.Next(1, 4);
        var steps = new string[n];
        var good = new bool[n];
        for (int k = 0; k < n; k++)
        {
            good[k] = r.Next(2) == 0;
            steps[k] = string.Join(" ", Enumerable.Range(0, r.Next(2, 5)).Select(_ => Words[r.Next(Words.Length)])) + (good[k] ? "" : " oops");
        }
        return (steps, good);
    }

    private static string Tagged(string[] steps, Func<int, string> end) => string.Join("\n", steps.Select((s, k) => s + " " + end(k)));

    // What `sift rm label` writes, in both layouts (Math-Shepherd input/label and RLHFlow conversations).
    private static string LabelRecord((string[] Steps, bool[] Good) s, bool conversations)
    {
        if (!conversations)
        {
            return new JsonObject
            {
                ["input"] = Question + " " + Tagged(s.Steps, _ => "ки"),
                ["label"] = Question + " " + Tagged(s.Steps, k => s.Good[k] ? "+" : "-"),
            }.ToJsonString();
        }
        var turns = new JsonArray();
        for (int k = 0; k < s.Steps.Length; k++)
        {
            turns.Add(new JsonObject { ["role"] = "user", ["content"] = k == 0 ? Question + " " + s.Steps[0] : s.Steps[k] });
            turns.Add(new JsonObject { ["role"] = "assistant", ["content"] = s.Good[k] ? "+" : "-" });
        }
        return new JsonObject { ["conversations"] = turns }.ToJsonString();
    }

    private static string[] TrainArgs(string data, string outDir, string objective, int steps) =>
    [
        "train", "--set", $"data.train={data}", "--set", $"train.objective={objective}", "--set", "model.preset=tiny", "--set", "model.hidden_size=32",
        "--set", "model.intermediate_size=64", "--set", "model.num_hidden_layers=1", "--set", "model.num_attention_heads=2", "--set", "model.num_key_value_heads=1",
        "--set", "train.seq_len=48", "--set", "train.micro_batch=8", "--set", $"train.max_steps={steps}", "--set", "optim.lr=3e-3", "--set", $"out_dir={outDir}", "--json",
    ];

    private static string Tokenizer(string dir, Random r)
    {
        string corpus = Path.Combine(dir, "corpus.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(_ => new JsonObject { ["text"] = Question + " " + Tagged(Solution(r).Steps, _ => "ки") + " + -" }.ToJsonString()));
        string tok = Path.Combine(dir, "tok");
        Assert.Equal(0, Run("tokenizer", "train", "-i", corpus, "-o", tok, "--vocab-size", "300").Code);
        return tok;
    }

    [Fact]
    public void Prm_PackTrainScore_HeldOutStepAccuracyAtLeast95Percent()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-prm").FullName;
        try
        {
            var r = new Random(7);
            string tok = Tokenizer(dir, r);
            string labels = Path.Combine(dir, "labels.jsonl");
            File.WriteAllLines(labels, Enumerable.Range(0, 400).Select(i => LabelRecord(Solution(r), conversations: i % 2 == 1)));
            string data = Path.Combine(dir, "prm");
            var pack = Run("data", "pack", "-i", labels, "-o", data, "--tokenizer", tok, "--format", "prm", "--rm-format", "math-shepherd", "--json");
            Assert.True(pack.Code == 0, pack.Err);
            var packed = JsonNode.Parse(pack.Out)!;
            Assert.Equal(400, (long)packed["examples"]!);
            Assert.Equal((long)packed["completion_targets"]!, (long)packed["positive_labels"]! + (long)packed["negative_labels"]!);

            var train = Run(TrainArgs(data, Path.Combine(dir, "run"), "prm", 150));
            Assert.True(train.Code == 0, train.Err);
            var result = JsonNode.Parse(train.Out)!;
            // The held-out split (data.holdout_every) is scored with the {+, -} argmax.
            double evalAccuracy = (double)result["final_eval"]!["eval_step_accuracy"]!;
            Assert.True(evalAccuracy >= 0.95, $"held-out step accuracy during training {evalAccuracy}");
            string trainMetrics = File.ReadLines(Path.Combine(dir, "run", "metrics.jsonl")).Last(l => l.Contains("\"step_labels\"", StringComparison.Ordinal));
            Assert.True((double)JsonNode.Parse(trainMetrics)!["step_labels"]!["step_accuracy"]! >= 0.95, trainMetrics);

            // New solutions scored by `sift rm score` with the checkpoint: the scorer reads where training put the labels.
            string held = Path.Combine(dir, "held.jsonl");
            var heldOut = Enumerable.Range(0, 40).Select(_ => Solution(r)).ToList();
            File.WriteAllLines(held, heldOut.Select(s => new JsonObject { ["question"] = Question, ["completion"] = Tagged(s.Steps, _ => "ки") }.ToJsonString()));
            string scored = Path.Combine(dir, "scored.jsonl");
            var score = Run("rm", "score", "--model", (string)result["model_dir"]!, "--format", "math-shepherd", "-i", held, "-o", scored, "--json");
            Assert.True(score.Code == 0, score.Err);
            int right = 0, total = 0;
            foreach (var (line, s) in File.ReadLines(scored).Zip(heldOut))
            {
                var steps = JsonNode.Parse(line)!["step_scores"]!.AsArray();
                Assert.Equal(s.Steps.Length, steps.Count);
                for (int k = 0; k < steps.Count; k++)
                {
                    right += ((double)steps[k]! > 0.5) == s.Good[k] ? 1 : 0;
                    total++;
                }
            }
            Assert.True(right >= 0.95 * total, $"rm score step accuracy {right}/{total}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Orm_PackTrainScore_TaggedOutcome()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-orm").FullName;
        try
        {
            var r = new Random(11);
            string tok = Tokenizer(dir, r);
            // A solution is correct when no step is bad; the samples carry `sift eval`'s verdict layout or a plain "correct".
            string samples = Path.Combine(dir, "samples.jsonl");
            File.WriteAllLines(samples, Enumerable.Range(0, 300).Select(i =>
            {
                var s = Solution(r);
                bool ok = s.Good.All(g => g);
                var o = new JsonObject { ["question"] = Question, ["completion"] = string.Join("\n", s.Steps) };
                o[i % 2 == 0 ? "correct" : "strict"] = i % 2 == 0 ? ok : new JsonObject { ["answer"] = "1", ["correct"] = ok };
                return o.ToJsonString();
            }));
            string data = Path.Combine(dir, "orm");
            var pack = Run("data", "pack", "-i", samples, "-o", data, "--tokenizer", tok, "--format", "orm", "--rm-format", "tagged", "--step-tag", "ки", "--json");
            Assert.True(pack.Code == 0, pack.Err);
            Assert.Equal(300, (long)JsonNode.Parse(pack.Out)!["completion_targets"]!);
            var train = Run(TrainArgs(data, Path.Combine(dir, "run"), "orm", 200));
            Assert.True(train.Code == 0, train.Err);
            var result = JsonNode.Parse(train.Out)!;

            string held = Path.Combine(dir, "held.jsonl");
            var heldOut = Enumerable.Range(0, 40).Select(_ => Solution(r)).ToList();
            File.WriteAllLines(held, heldOut.Select(s => new JsonObject { ["question"] = Question, ["completion"] = string.Join("\n", s.Steps) }.ToJsonString()));
            string scored = Path.Combine(dir, "scored.jsonl");
            // The ORM prompt is the whole solution as one tagged step: `--split` with a separator the text does not hold.
            var score = Run("rm", "score", "--model", (string)result["model_dir"]!, "--format", "tagged", "--step-tag", "ки", "--good", "+", "--bad", "-",
                "--split", "\u241E", "-i", held, "-o", scored, "--json");
            Assert.True(score.Code == 0, score.Err);
            int right = File.ReadLines(scored).Zip(heldOut).Count(x => ((double)JsonNode.Parse(x.First)!["score"]! > 0.5) == x.Second.Good.All(g => g));
            Assert.True(right >= 38, $"rm score outcome accuracy {right}/40 (train eval {result["final_eval"]?.ToJsonString()})");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Pack_BadInput_NamesLineAndField()
    {
        string dir = Directory.CreateTempSubdirectory("sift-cli-prm-bad").FullName;
        try
        {
            string tok = Tokenizer(dir, new Random(3));
            string ok = LabelRecord((["one two"], [true]), conversations: false);
            (string Line, string Expect)[] cases =
            [
                (new JsonObject { ["input"] = "Count: one two", ["label"] = "Count: one two" }.ToJsonString(), "field \"input\" has no step tag"),
                (new JsonObject { ["input"] = "Count: one ки\ntwo ки", ["label"] = "Count: one +" }.ToJsonString(), "field \"label\""),
                (new JsonObject { ["input"] = "Count: one ки" }.ToJsonString(), "missing field \"label\""),
                (new JsonObject { ["label"] = "Count: one +" }.ToJsonString(), "missing field \"input\""),
            ];
            foreach (var (line, expect) in cases)
            {
                string file = Path.Combine(dir, "bad.jsonl");
                File.WriteAllLines(file, [ok, line]);
                var bad = Run("data", "pack", "-i", file, "-o", Path.Combine(dir, "out"), "--tokenizer", tok, "--format", "prm", "--overwrite");
                Assert.Equal(2, bad.Code);
                Assert.Contains("bad.jsonl:2", bad.Err);
                Assert.Contains(expect, bad.Err);
            }
            string samples = Path.Combine(dir, "samples.jsonl");
            File.WriteAllLines(samples, [new JsonObject { ["question"] = "q", ["completion"] = "c" }.ToJsonString()]);
            var orm = Run("data", "pack", "-i", samples, "-o", Path.Combine(dir, "orm"), "--tokenizer", tok, "--format", "orm", "--rm-format", "tagged", "--step-tag", "ки");
            Assert.Equal(2, orm.Code);
            Assert.Contains("samples.jsonl:1", orm.Err);
            Assert.Contains("missing field \"correct\"", orm.Err);
            // A label the tokenizer splits into several ids cannot be one target.
            var multi = Run("data", "pack", "-i", samples, "-o", Path.Combine(dir, "orm2"), "--tokenizer", tok, "--format", "orm", "--rm-format", "tagged", "--step-tag", "ки", "--positive", "good+", "--negative", "-");
            Assert.Equal(2, multi.Code);
            Assert.Contains("--positive 'good+': the tokenizer splits it into", multi.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
