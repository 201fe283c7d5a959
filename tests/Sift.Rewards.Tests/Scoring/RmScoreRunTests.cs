using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Random;
using Sift.Eval.Datasets;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Scoring;

/// <summary>`sift rm score` over files: fields kept, resumable after a kill, bad input named by line and field.</summary>
[Collection(ToyPrmCollection.Name)]
public sealed class RmScoreRunTests(ToyPrmFixture toy) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-rm-run").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Input(int n, ulong seed = 9)
    {
        var rng = new Rng(seed);
        var lines = Enumerable.Range(0, n).Select(i =>
        {
            var (s, _) = ToyPrm.Solution(rng, 1 + rng.NextInt(4));
            return new JsonObject { ["idx"] = i, ["sample"] = 0, ["question"] = ToyPrm.Question, ["completion"] = ToyPrm.TaggedCompletion(s), ["gold"] = "x" }.ToJsonString();
        });
        string path = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static RmScoreRun Run(Sift.Inference.LoadedModel lm, IStepScorer scorer, BadLinePolicy bad = BadLinePolicy.Abort)
    {
        var setup = RmSetup.Create(new RmFormatOptions(RmFormat.Tagged, StepTag: ToyPrm.Tag, Good: "+", Bad: "-"), lm.Tokenizer!, lm.BosId);
        return new RmScoreRun(setup.Builder, scorer, setup.Labels, new RmScoreOptions(StepAggregate.Min, 3, bad, setup.Settings));
    }

    [Fact]
    public void Output_KeepsFields_AndAddsScores()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        using var scorer = new LocalStepScorer(lm);
        string input = Input(5), output = Path.Combine(_dir, "out.jsonl");
        var r = Run(lm, scorer).Run(input, output);
        Assert.Equal(5, r.Scored);
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var inputs = File.ReadAllLines(input).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal((int)inputs[i]["idx"]!, (int)lines[i]["idx"]!);
            Assert.Equal((string)inputs[i]["completion"]!, (string)lines[i]["completion"]!);
            var steps = lines[i]["step_scores"]!.AsArray().Select(x => (double)x!).ToList();
            Assert.Equal(StepSplitterCount((string)inputs[i]["completion"]!), steps.Count);
            Assert.Equal(steps.Min(), (double)lines[i]["score"]!, 12);
        }
    }

    private static int StepSplitterCount(string completion) => completion.Count(c => c == '#');

    [Fact]
    public void KilledAndResumed_EqualsUninterrupted()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        string input = Input(10);
        string whole = Path.Combine(_dir, "whole.jsonl"), resumed = Path.Combine(_dir, "resumed.jsonl");
        using (var scorer = new LocalStepScorer(lm))
        {
            Run(lm, scorer).Run(input, whole);
        }
        // Killed after 4 solutions, with a half-written line at the end of the file.
        using (var dying = new DyingScorer(new LocalStepScorer(lm), 4))
        {
            Assert.Throws<OperationCanceledException>(() => Run(lm, dying).Run(input, resumed, cancel: dying.Kill.Token));
        }
        Assert.Equal(4, File.ReadAllLines(resumed).Length);
        File.AppendAllText(resumed, "{\"idx\": 4, \"step_sco");
        var warnings = new List<string>();
        using (var scorer = new LocalStepScorer(lm))
        {
            var counting = new DyingScorer(scorer, int.MaxValue);
            var r = Run(lm, counting).Run(input, resumed, warnings.Add);
            Assert.Equal(4, r.Resumed);
            Assert.Equal(6, r.Scored);
            Assert.Equal(6, counting.Scored); // nothing scored twice
        }
        Assert.Contains(warnings, w => w.Contains("unfinished last line", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(resumed));
    }

    [Fact]
    public void Resume_WithOtherSettings_IsRefused()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        using var scorer = new LocalStepScorer(lm);
        string input = Input(3), output = Path.Combine(_dir, "out.jsonl");
        Run(lm, scorer).Run(input, output);
        var setup = RmSetup.Create(new RmFormatOptions(RmFormat.Tagged, Split: "\n", StepTag: ToyPrm.Tag, Good: "+", Bad: "-"), lm.Tokenizer!, lm.BosId);
        var ex = Assert.Throws<SiftException>(() => new RmScoreRun(setup.Builder, scorer, setup.Labels, new RmScoreOptions(StepAggregate.Min, 3, BadLinePolicy.Abort, setup.Settings)).Run(input, output));
        Assert.Contains("split", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_NamesTheLineAndField()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        using var scorer = new LocalStepScorer(lm);
        string output = Path.Combine(_dir, "out.jsonl");
        string path = Path.Combine(_dir, "bad.jsonl");

        File.WriteAllLines(path, ["{\"question\": \"Add:\", \"completion\": \"1+1=2#\"}", "", "{\"question\": \"Add:\", \"completion\": \"1+1=2 and no tag\"}"]);
        var ex = Assert.Throws<SiftException>(() => Run(lm, scorer).Run(path, output));
        Assert.Contains("bad.jsonl:3: field \"completion\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no step tag \"#\"", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output)); // checked before anything is scored

        File.WriteAllLines(path, ["{\"question\": \"Add:\", \"completion\": \"1+1=2#\"}", "{\"question\": \"Add:\"}"]);
        ex = Assert.Throws<SiftException>(() => Run(lm, scorer).Run(path, output));
        Assert.Contains("bad.jsonl:2: field \"completion\": missing", ex.Message, StringComparison.Ordinal);

        File.WriteAllLines(path, ["{\"question\": 7, \"completion\": \"1+1=2#\"}"]);
        ex = Assert.Throws<SiftException>(() => Run(lm, scorer).Run(path, output));
        Assert.Contains("bad.jsonl:1: field \"question\": expected a string, got number", ex.Message, StringComparison.Ordinal);

        File.WriteAllLines(path, ["not json"]);
        ex = Assert.Throws<SiftException>(() => Run(lm, scorer).Run(path, output));
        Assert.Contains("bad.jsonl:1: invalid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadLinesSkip_WritesTheErrorAndGoesOn()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        using var scorer = new LocalStepScorer(lm);
        string output = Path.Combine(_dir, "out.jsonl"), path = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(path, ["{\"question\": \"Add:\", \"completion\": \"1+1=2#\"}", "{\"question\": \"Add:\", \"completion\": \"no tag\"}", "{\"question\": \"Add:\", \"completion\": \"1+1=3#\"}"]);
        var r = Run(lm, scorer, BadLinePolicy.Skip).Run(path, output);
        Assert.Equal((2, 1), (r.Scored, r.Skipped));
        var lines = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.True((double)lines[0]["score"]! > 0.5 && (double)lines[2]["score"]! < 0.5);
        Assert.Null(lines[1]["score"]);
        Assert.Contains("bad.jsonl:2: field \"completion\"", (string)lines[1]["rm_error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelSplitIntoSeveralIds_IsAnError()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        var ex = Assert.Throws<SiftException>(() => RmSetup.Create(new RmFormatOptions(RmFormat.Tagged, StepTag: "#", Good: "plus", Bad: "-"), lm.Tokenizer!, lm.BosId));
        Assert.Contains("--good 'plus': the tokenizer splits it into", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<SiftException>(() => RmSetup.Create(new RmFormatOptions(RmFormat.Tagged, StepTag: "#"), lm.Tokenizer!, lm.BosId));
        Assert.Contains("needs --step-tag, --good and --bad", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Counts what it scores; cancels itself after a number of prompts (a kill).</summary>
    private sealed class DyingScorer(IStepScorer inner, int after) : IStepScorer
    {
        public CancellationTokenSource Kill { get; } = new();

        public int Scored { get; private set; }

        public string Identity => inner.Identity;

        public int MaxTokens => inner.MaxTokens;

        public Task ScoreAsync(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel) =>
            inner.ScoreAsync(prompts, labels, (i, r) =>
            {
                onDone(i, r);
                if (++Scored >= after)
                {
                    Kill.Cancel();
                }
            }, cancel);

        public void Dispose()
        {
            Kill.Dispose();
            inner.Dispose();
        }
    }
}
