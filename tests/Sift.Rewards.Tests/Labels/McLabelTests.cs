using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Engine.Inference;
using Sift.Eval.Datasets;
using Sift.Grading;
using Sift.Inference;
using Sift.Rewards.Labels;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Labels;

/// <summary>`sift rm label`: hard and soft labels as counted by hand, the record layouts, PRM800K input, resume, bad input.</summary>
public sealed class McLabelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sift-rm-label").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static McLabelOptions Options(int k, ulong seed = 5) =>
        new(k, 32, new SamplingOptions { Temperature = 1f }, seed, GradeMode.Strict, McLabelOptions.DefaultTemplate, []);

    // 1+2+3+4 = 10: steps "1+2=3", "3+3=6" and a last step the completer is asked to finish (+4).
    private static LabelProblem Problem(int line, params string[] steps) => new(line, "What is 1+2+3+4?", "10", steps);

    [Fact]
    public async Task Labels_EqualHandCount_HardAnySoftShare()
    {
        var problems = new[]
        {
            Problem(1, "1+2=3", "3+3=6", "6+4=10"),   // all right
            Problem(2, "1+2=3", "3+3=7", "7+4=11"),   // wrong from step 2
            Problem(3, "1+2=4", "4+3=7", "7+4=11"),   // wrong from step 1
        };
        const int K = 8;
        var completer = new RuleCompleter(addend: 4);
        // The rule completer finishes with +4 whatever the prefix, so a prefix after step 1 (total 3) cannot reach 10;
        // this problem set asks the completer only after step 2 (total 6 or 7) for the interesting labels.
        var labels = await new McStepLabeler(completer, Options(K)).LabelAsync(problems);
        Assert.Equal(problems.Sum(p => (p.Steps.Length - 1) * K), completer.Seen.Count);
        for (int pi = 0; pi < problems.Length; pi++)
        {
            var p = problems[pi];
            for (int i = 0; i < p.Steps.Length - 1; i++)
            {
                // Brute force: the total after step i, then each seed's slip.
                int total = int.Parse(p.Steps[i].Split('=')[1]);
                int right = Enumerable.Range(0, K).Count(j => total + 4 + (McStepLabeler.SeedOf(5, p.Line, i, j) % 4 == 0 ? 1 : 0) == 10);
                Assert.Equal(right, labels[pi].Correct[i]);
                Assert.Equal(K, labels[pi].Completions[i]);
                Assert.Equal(right > 0, labels[pi].Hard[i]);
                Assert.Equal((double)right / K, labels[pi].Soft[i], 12);
            }
            int last = p.Steps.Length - 1;
            Assert.Equal(0, labels[pi].Completions[last]);
            Assert.Equal(p.Steps[last].EndsWith("=10", StringComparison.Ordinal), labels[pi].Hard[last]);
        }
        // The all-right solution after step 2 (total 6): 6 of 8 seeds do not slip, so soft 0.75 and "+".
        Assert.Equal(0.75, labels[0].Soft[1], 12);
        Assert.True(labels[0].Hard[1]);
        Assert.Equal([false, false, false], labels[2].Hard);
        // The completer saw the question and the prefix in the template's layout.
        Assert.Equal("What is 1+2+3+4?\n\n1+2=3\n\n3+3=6\n\n", completer.Seen.First(s => s.Text!.Contains("3+3=6", StringComparison.Ordinal)).Text);
    }

    [Fact]
    public async Task ACompletionWithoutAnAnswer_IsWrong_EvenWhenThePrefixEndsWithTheGold()
    {
        // "6+4=10" is step 2 of 3 here: the prefix already shows 10, but the completions say nothing.
        var p = Problem(1, "1+2=3", "3+3=6+4=10", "so 10");
        var labels = await new McStepLabeler(new RuleCompleter(4, silent: true), Options(4)).LabelAsync([p]);
        Assert.Equal([false, false, true], labels[0].Hard);
        Assert.Equal([0, 0, 1], labels[0].Correct);
    }

    [Fact]
    public void Records_HaveEachSourceLayout()
    {
        var p = Problem(1, "1+2=3", "3+3=7");
        var l = new StepLabels([true, false], [0.5, 0.0], [4, 0], [8, 0]);
        Assert.Equal(
            """{"conversations":[{"role":"user","content":"What is 1+2+3+4? 1+2=3"},{"role":"assistant","content":"+"},{"role":"user","content":"3+3=7"},{"role":"assistant","content":"-"}],"gold":"10","soft_labels":[0.5,0],"correct_completions":[4,0],"completions":[8,0]}""",
            LabelRecord.Write(LabelFormat.RlhFlow, p, l));
        var ms = JsonNode.Parse(LabelRecord.Write(LabelFormat.MathShepherd, p, l))!;
        Assert.Equal("What is 1+2+3+4? 1+2=3 ки\n3+3=7 ки", (string)ms["input"]!);
        Assert.Equal("What is 1+2+3+4? 1+2=3 +\n3+3=7 -", (string)ms["label"]!);
        var prm = JsonNode.Parse(LabelRecord.Write(LabelFormat.Prm800k, p, l))!;
        Assert.Equal("found_error", (string)prm["label"]!["finish_reason"]!);
        Assert.Equal([1, -1], prm["label"]!["steps"]!.AsArray().Select(s => (int)s!["completions"]![0]!["rating"]!));
        // A PRM800K record written here reads back as the same problem.
        var (back, err) = LabelInput.Parse(7, prm.ToJsonString(), "gold", null);
        Assert.Null(err);
        Assert.Equal(p.Steps, back!.Steps);
        Assert.Equal(("10", p.Question), (back.Gold, back.Question));
    }

    [Fact]
    public void Prm800kInput_FollowsChosenThenHumanCompletion_AndStopsAtAnUnchosenStep()
    {
        string line = """
            {"question":{"problem":"P","ground_truth_answer":"5"},"label":{"steps":[
              {"completions":[{"text":"a","rating":0},{"text":"b","rating":1}],"human_completion":null,"chosen_completion":1},
              {"completions":[{"text":"c","rating":-1}],"human_completion":{"text":"h"},"chosen_completion":null},
              {"completions":[{"text":"d","rating":-1}],"human_completion":null,"chosen_completion":null},
              {"completions":[{"text":"e","rating":1}],"human_completion":null,"chosen_completion":0}],"finish_reason":"found_error"}}
            """.Replace("\n", "", StringComparison.Ordinal);
        var (p, err) = LabelInput.Parse(3, line, "gold", null);
        Assert.Null(err);
        Assert.Equal(["b", "h", "d"], p!.Steps);
        Assert.Equal("5", p.Gold);
    }

    [Theory]
    [InlineData("""{"question":"q","completion":"a\n\nb"}""", "field \"gold\": missing")]
    [InlineData("""{"question":"q","completion":"  ","gold":"1"}""", "field \"completion\": no steps")]
    [InlineData("""{"question":"q","steps":[],"gold":"1"}""", "field \"steps\": no non-empty step")]
    [InlineData("""{"question":"q","completion":"a","gold":""}""", "field \"gold\": expected the gold answer")]
    [InlineData("""{"completion":"a","gold":"1"}""", "field \"question\": missing")]
    [InlineData("""{"question":{"problem":"p"}}""", "field \"question.ground_truth_answer\": missing")]
    public void BadInput_IsNamedByLineAndField(string bad, string expected)
    {
        string input = Path.Combine(_dir, "in.jsonl"), output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(input, ["""{"question":"What is 1+2+3+4?","completion":"1+2=3\n\n3+3=6\n\n6+4=10","gold":"10"}""", bad]);
        var run = new McLabelRun(new McStepLabeler(new RuleCompleter(4), Options(2)), new McLabelRunOptions(LabelFormat.RlhFlow, "gold", null, 4, BadLinePolicy.Abort, new Dictionary<string, string?>()));
        var ex = Assert.Throws<SiftException>(() => run.Run(input, output));
        Assert.StartsWith($"{input}:2: {expected}", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(output)); // checked before anything is written
        // With skip, the line is written with rm_error and the good one labelled.
        var skip = new McLabelRun(new McStepLabeler(new RuleCompleter(4), Options(2)), new McLabelRunOptions(LabelFormat.RlhFlow, "gold", null, 4, BadLinePolicy.Skip, new Dictionary<string, string?>()));
        var r = skip.Run(input, output);
        Assert.Equal((1, 1), (r.Labelled, r.Skipped));
        Assert.StartsWith($"{input}:2: {expected}", (string)JsonNode.Parse(File.ReadAllLines(output)[1])!["rm_error"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void LocalCompleter_KilledAndResumed_EqualsUninterrupted()
    {
        string modelDir = ToyPrm.Create(Path.Combine(_dir, "model"), trainSteps: 0);
        string input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(input, Enumerable.Range(0, 5).Select(i =>
            new JsonObject { ["question"] = ToyPrm.Question, ["completion"] = $"1+{i % 3}={1 + (i % 3)}\n\n2+2=4\n\n0+1={i}", ["gold"] = "1" }.ToJsonString()));
        var opts = new McLabelOptions(3, 6, new SamplingOptions { Temperature = 1f }, 11, GradeMode.Strict, McLabelOptions.DefaultTemplate, []);
        var runOpts = new McLabelRunOptions(LabelFormat.Prm800k, "gold", null, 2, BadLinePolicy.Abort, new Dictionary<string, string?> { ["k"] = "3" });
        string whole = Path.Combine(_dir, "whole.jsonl"), parts = Path.Combine(_dir, "parts.jsonl");
        using (var lm = LoadedModel.Open(modelDir, 1, "managed"))
        using (var completer = new LocalCompletionBackend(lm, 4))
        {
            var r = new McLabelRun(new McStepLabeler(completer, opts), runOpts).Run(input, whole);
            Assert.Equal((5, 15, 5L * 2 * 3), (r.Labelled, r.Steps, r.Completions));
            using var cts = new CancellationTokenSource();
            var killer = new CancelAfterFirstBatch(cts);
            Assert.ThrowsAny<OperationCanceledException>(() => new McLabelRun(new McStepLabeler(completer, opts), runOpts, killer).Run(input, parts, cancel: cts.Token));
            Assert.Equal(2, File.ReadAllLines(parts).Length);
            var resumed = new McLabelRun(new McStepLabeler(completer, opts), runOpts).Run(input, parts);
            Assert.Equal((2, 3), (resumed.Resumed, resumed.Labelled));
        }
        Assert.Equal(File.ReadAllText(whole), File.ReadAllText(parts));
        // Line 2 ends "0+1=1": its last step is graded right as written, the others' wrong.
        var lastRatings = File.ReadAllLines(whole).Select(l => (int)JsonNode.Parse(l)!["label"]!["steps"]![2]!["completions"]![0]!["rating"]!).ToArray();
        Assert.Equal([-1, 1, -1, -1, -1], lastRatings);
        // Another K is refused on resume.
        var other = runOpts with { Settings = new Dictionary<string, string?> { ["k"] = "4" } };
        using var lm2 = LoadedModel.Open(modelDir, 1, "managed");
        using var completer2 = new LocalCompletionBackend(lm2, 4);
        var ex = Assert.Throws<SiftException>(() => new McLabelRun(new McStepLabeler(completer2, opts), other).Run(input, parts));
        Assert.Contains("k: \"3\" then, \"4\" now", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CancelAfterFirstBatch(CancellationTokenSource cts) : Sift.Core.Reporting.IProgressReporter
    {
        public void Report(string task, long done, long total, string status) => cts.Cancel();

        public void Line(string text)
        {
        }

        public void Done()
        {
        }
    }
}
