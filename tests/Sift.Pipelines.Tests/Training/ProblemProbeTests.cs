using System.Text;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Model;
using Sift.Pipelines.Training;
using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Pipelines.Tests.Training;

public sealed class ProblemProbeTests
{
    private static readonly HeldOutProblem[] Problems =
    [
        new("Ann has 2 cats. She gets 3 more. How many cats?", "Ann has 2 + 3 = 5 cats.\n#### 5", "5", "easy"),
        new("Bo has 9 pens. He gives 4 away. How many pens?", "Bo has 9 - 4 = 5 pens.\n#### 5", "5", "easy"),
        new("Cy buys 3 bags of 4 eggs. How many eggs?", "Cy buys 3 * 4 = 12 eggs.\n#### 12", "12", "medium"),
        new("Di pays $2.50 for each of 3 mugs. How much?", "Di pays 3 * $2.50 = $7.50.\n#### 7.50", "7.50", "hard"),
    ];

    private static string WriteProblems(string dir)
    {
        string path = Path.Combine(dir, "eval.jsonl");
        File.WriteAllLines(path, Problems.Select(p => new JsonObject { ["question"] = p.Question, ["solution"] = p.Solution, ["answer"] = p.Answer, ["tier"] = p.Tier }.ToJsonString()));
        return path;
    }

    private static HfTokenizer Tokenizer() => BpeTrainer.Train(Problems.Select(p => p.Question + "\n" + p.Solution), 300, ["<|endoftext|>"]);

    [Fact]
    public void AnOverfitModel_SolvesItsProblems_AndTheRunLogsEveryFigure()
    {
        string dir = Directory.CreateTempSubdirectory("sift-probe").FullName;
        var tok = Tokenizer();
        string tokDir = Path.Combine(dir, "tok");
        tok.SaveDirectory(tokDir);
        string corpus = Path.Combine(dir, "corpus.jsonl");
        File.WriteAllLines(corpus, Enumerable.Range(0, 240).Select(i => new JsonObject { ["text"] = Problems[i * 7 % 4].Question + "\n" + Problems[i * 7 % 4].Solution }.ToJsonString()));
        string data = Path.Combine(dir, "data");
        new ShardPacker(tok, new PackOptions { Threads = 1 }).Pack([corpus], data);
        var recipe = TrainRecipe.Load(null,
        [
            $"data.train={data}", $"out_dir={Path.Combine(dir, "run")}", $"tokenizer={tokDir}", "model.preset=tiny", "model.hidden_size=48", "model.intermediate_size=96",
            "model.num_hidden_layers=1", "model.num_attention_heads=2", "model.num_key_value_heads=2", "train.seq_len=48", "train.micro_batch=6",
            "train.max_steps=90", "train.threads=2", "train.gemm=managed", "optim.lr=0.02", "optim.warmup_steps=5", "data.holdout_every=0", "log.interval=30",
            "eval.interval=45", $"eval.problems={WriteProblems(dir)}", "checkpoint.interval=0",
        ]);
        var s = new TrainingRun(recipe).Execute(resume: false);
        var final = s.FinalEval!;
        Assert.Equal(1.0, final.Accuracy);
        Assert.Equal(4, final.AccuracyProblems);
        Assert.True(final.CleanLoss < 0.3, $"clean loss {final.CleanLoss}");
        Assert.True(final.AnswerLoss < 0.3, $"answer loss {final.AnswerLoss}");
        foreach (string t in new[] { "easy", "medium", "hard" })
        {
            Assert.Equal(1.0, final.Tiers![t].Accuracy);
            Assert.NotNull(final.Tiers[t].CleanLoss);
            Assert.NotNull(final.Tiers[t].AnswerLoss);
        }
        Assert.Equal(2, final.Tiers!["easy"].AccuracyProblems);
        // The mid-run evaluation is in metrics.jsonl too, and the charts exist.
        var evals = File.ReadAllLines(Path.Combine(s.RunDir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Where(o => o["accuracy"] is not null).ToList();
        Assert.Equal([45L, 90L], evals.Select(o => (long)o["step"]!));
        Assert.True(File.Exists(Path.Combine(s.RunDir, "accuracy.svg")));
        Assert.Contains("held-out problems", File.ReadAllText(Path.Combine(s.RunDir, "loss.svg")));
    }

    [Fact]
    public void AnUntrainedModel_ScoresNothing_AndItsLossIsNearUniform()
    {
        var tok = Tokenizer();
        var cfg = new LlamaConfig
        {
            VocabSize = tok.VocabSize,
            HiddenSize = 32,
            IntermediateSize = 64,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            NumKeyValueHeads = 2,
            HeadDim = 16,
            MaxPositionEmbeddings = 128,
            TieWordEmbeddings = true,
            EosTokenId = tok.EosId,
        };
        using var model = new LlamaModel(cfg);
        model.InitRandom(3);
        var probe = new ProblemProbe(Problems, tok, new ProblemProbeOptions(MaxNewTokens: 12));
        var record = probe.Evaluate(model, Compute.Reference);
        Assert.Equal(0.0, record.Accuracy);
        Assert.InRange(record.CleanLoss!.Value, Math.Log(tok.VocabSize) - 0.5, Math.Log(tok.VocabSize) + 0.5);
        Assert.Equal(4, probe.LastCompletions.Count);
        Assert.All(probe.LastCompletions, c => Assert.False(c.Correct));
        Assert.All(probe.LastCompletions, c => Assert.True(tok.Encode(c.Completion).Length <= 14));

        // A cheap curve during training, a larger sample at the end: the final evaluation decodes more, the same losses.
        var subset = new ProblemProbe(Problems, tok, new ProblemProbeOptions(AccuracyProblems: 2, MaxNewTokens: 12, FinalAccuracyProblems: 99));
        var mid = subset.Evaluate(model, Compute.Reference);
        Assert.Equal(2, mid.AccuracyProblems);
        var end = subset.Evaluate(model, Compute.Reference, final: true);
        Assert.Equal(4, end.AccuracyProblems); // capped at the problems there are
        Assert.Equal(record.CleanLoss, end.CleanLoss);
        Assert.Equal(probe.LastCompletions.Select(c => c.Completion), subset.LastCompletions.Select(c => c.Completion));
    }

    [Fact]
    public void AccuracySubset_IsRoundRobinOverTiers()
    {
        var tok = Tokenizer();
        var p = new ProblemProbe(Problems, tok, new ProblemProbeOptions(AccuracyProblems: 3));
        Assert.Equal(3, p.AccuracyProblems);
        Assert.Throws<SiftException>(() => new ProblemProbe([], tok));
        Assert.Throws<SiftException>(() => new ProblemProbe(Problems, tok, new ProblemProbeOptions(AccuracyProblems: -1)));
    }

    [Theory]
    [InlineData("Ann has 5 cats.\n#### 5", "5")]
    [InlineData("#### $1,234.50\nmore text", "$1,234.50")]
    [InlineData("#### 7 apples", "7")]
    [InlineData("#### -3.", "-3")]
    [InlineData("#### 12\n#### 13", "12")]
    [InlineData("no answer line", null)]
    [InlineData("#### none", null)]
    public void ExtractAnswer_TakesTheFirstNumberAfterTheMarker(string completion, string? expected) =>
        Assert.Equal(expected, ProblemProbe.ExtractAnswer(completion));

    [Theory]
    [InlineData("7.5", "7.50", true)]
    [InlineData("$1,234", "1234", true)]
    [InlineData("12.", "12", true)]
    [InlineData("12", "13", false)]
    [InlineData("-3", "3", false)]
    [InlineData(null, "3", false)]
    [InlineData("", "", false)]
    public void AnswerMatches_IsExactNumericEquality(string? predicted, string gold, bool expected) =>
        Assert.Equal(expected, ProblemProbe.AnswerMatches(predicted, gold));

    [Fact]
    public void AnswerTokens_StartAfterTheMarker()
    {
        var bytes = new ByteTokenizer();
        string text = "Q?\nA = 5\n#### 42";
        int[] ids = bytes.Encode(text);
        Assert.Equal(text.IndexOf("####", StringComparison.Ordinal) + 4, ProblemProbe.AnswerTokenStart(bytes, text, ids));
        Assert.Equal(9, ProblemProbe.AnswerTokenStart(bytes, "no marker", bytes.Encode("no marker")));
        var tok = Tokenizer();
        int[] bpe = tok.Encode(text);
        int k = ProblemProbe.AnswerTokenStart(tok, text, bpe);
        Assert.Equal(" 42", tok.Decode(bpe.AsSpan(k)));
        Assert.True(ProblemProbe.AnswerLineDone(new StringBuilder("x\n#### 4\n")));
        Assert.False(ProblemProbe.AnswerLineDone(new StringBuilder("x\n#### 4")));
    }

    [Fact]
    public void RecipeKeys_AreValidated_AndAProbeNeedsATokenizer()
    {
        Assert.Contains("eval.accuracy_problems", Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "eval.accuracy_problems=-1"])).Message);
        Assert.Contains("eval.max_new_tokens", Assert.Throws<SiftException>(() => TrainRecipe.Load(null, ["data.train=x", "eval.max_new_tokens=abc"])).Message);
        var r = TrainRecipe.Load(null, ["data.train=x", "eval.problems=e.jsonl", "eval.accuracy_problems=20", "eval.max_new_tokens=64", "checkpoint.keep=0"]);
        Assert.Equal(("e.jsonl", 20, 64, 0), (r.EvalProblems, r.EvalAccuracyProblems, r.EvalMaxNewTokens, r.CheckpointKeep));
        Assert.Contains("problems: e.jsonl", r.ToYaml());
        // Unset keys are not written.
        Assert.DoesNotContain("\n  problems:", TrainRecipe.Load(null, ["data.train=x"]).ToYaml());

        string dir = Directory.CreateTempSubdirectory("sift-probe").FullName;
        string data = TrainingRunTests.PackCorpus(dir); // byte-tokenised, no tokenizer.json
        var ex = Assert.Throws<SiftException>(() => new TrainingRun(TrainRecipe.Load(null, [$"data.train={data}", $"out_dir={Path.Combine(dir, "r")}", $"eval.problems={WriteProblems(dir)}", "train.max_steps=1"])).Execute(resume: false));
        Assert.Contains("eval.problems", ex.Message);
        Assert.Contains("tokenizer", ex.Message);
    }

    [Fact]
    public void Load_NamesTheBadLine()
    {
        string dir = Directory.CreateTempSubdirectory("sift-probe").FullName;
        string path = Path.Combine(dir, "e.jsonl");
        File.WriteAllText(path, "{\"question\":\"q\",\"solution\":\"s\",\"answer\":\"1\"}\n{\"question\":\"q\"}\n");
        Assert.Contains("e.jsonl:2", Assert.Throws<SiftException>(() => ProblemProbe.Load(path)).Message);
        File.WriteAllText(path, "{not json\n");
        Assert.Contains("e.jsonl:1", Assert.Throws<SiftException>(() => ProblemProbe.Load(path)).Message);
        Assert.Contains("not found", Assert.Throws<SiftException>(() => ProblemProbe.Load(Path.Combine(dir, "none.jsonl"))).Message);
        File.WriteAllText(path, "{\"question\":\"q\",\"solution\":\"s\",\"answer\":\"1\"}\n");
        Assert.Equal("all", ProblemProbe.Load(path)[0].Tier);
    }
}
