using System.Text;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Eval.Grading;
using Sift.Eval.Samples;

namespace Sift.Eval.Tests;

public sealed class SamplesTests
{
    private static SampleRecord Rec(int idx, int sample, string? prompt = null) => new()
    {
        Idx = idx,
        Sample = sample,
        Seed = 7,
        Question = "q",
        Gold = "2",
        GoldCompat = "2",
        Subject = "Algebra",
        Prompt = prompt,
        Completion = "The answer is 2.",
        Executions = [new ExecutionRecord("print(2)", "2", "Done", 0.1)],
        FinishReason = "stop",
        Seconds = 0.5,
        Score = 1.5,
        Strict = new Verdict("2", true, "exact"),
        Compat = new Verdict("2", true, "string", false),
    };

    [Fact]
    public void Record_RoundTrips()
    {
        var r = Rec(3, 1, "P");
        var back = SampleRecord.FromJson(System.Text.Json.Nodes.JsonNode.Parse(r.ToJson())!.AsObject());
        Assert.Equal(r.ToJson(), back.ToJson());
        Assert.Equal("Done", back.Executions[0].Report);
    }

    [Fact]
    public void Log_AppendsFlushes_AndResumesSkippingFinishedWork()
    {
        string path = Path.Combine(TestPaths.TempDir(), "run", "samples.jsonl");
        using (var log = SamplesLog.Open(path))
        {
            log.Append(Rec(0, 0, "prompt-0"));
            log.Append(Rec(0, 1, "prompt-0"));
            log.Append(Rec(0, 1, "prompt-0"));
            // Flushed: another reader sees both lines while the log is still open.
            Assert.Equal(2, File.ReadAllLines(path).Length);
        }
        var lines = File.ReadAllLines(path);
        Assert.Contains("\"prompt\":\"prompt-0\"", lines[0]);
        Assert.DoesNotContain("\"prompt\"", lines[1]);
        // A kill in the middle of a write leaves half a line.
        File.AppendAllText(path, Rec(1, 0).ToJson()[..40]);
        var warnings = new List<string>();
        using (var log = SamplesLog.Open(path, warn: warnings.Add))
        {
            Assert.Equal(2, log.Existing.Count);
            Assert.True(log.Contains(0, 1));
            Assert.False(log.Contains(1, 0));
            Assert.True(log.HasPrompt(0));
            Assert.Single(warnings);
            log.Append(Rec(1, 0, "prompt-1"));
        }
        var all = SamplesLog.ReadAll(path);
        Assert.Equal([(0, 0), (0, 1), (1, 0)], all.Select(r => (r.Idx, r.Sample)));
        Assert.EndsWith("\n", File.ReadAllText(path));
    }

    [Fact]
    public void Log_BadLineInTheMiddle_AbortsOrIsSkipped()
    {
        string path = Path.Combine(TestPaths.TempDir(), "samples.jsonl");
        File.WriteAllText(path, Rec(0, 0).ToJson() + "\n{\"idx\": 1}\n" + Rec(2, 0).ToJson() + "\n", Encoding.UTF8);
        var e = Assert.Throws<SiftException>(() => SamplesLog.Open(path).Dispose());
        Assert.Contains($"{path}:2:", e.Message);
        using var log = SamplesLog.Open(path, BadLinePolicy.Skip);
        Assert.Equal(2, log.Existing.Count);
    }

    [Fact]
    public void HarnessRows_AndSiftSamples_ReadAsCompletions()
    {
        string path = Path.Combine(TestPaths.TempDir(), "out.jsonl");
        File.WriteAllLines(path,
        [
            """{"idx": 5, "question": "q", "gt_cot": "so $\\boxed{\\dfrac{1}{2}}$", "gt": "\\frac{1}{2}", "level": "Level 2", "type": "Algebra", "solution": "so $\\boxed{\\dfrac{1}{2}}$", "code": ["x is \\boxed{0.5}", "x is 1"], "pred": ["0.5", "1"], "score": [true, false], "pred_score": [[0.2], [0.9]]}""",
            Rec(9, 1).ToJson(),
            Rec(9, 0).ToJson(),
        ]);
        var ps = CompletionFile.Read(path, DatasetRegistry.Get("math"));
        Assert.Equal([5, 9], ps.Select(p => p.Idx));
        var h = ps[0];
        Assert.Equal(("\\dfrac{1}{2}", "\\frac{1}{2}", "Algebra", "2"), (h.Gold, h.CompatGold, h.Subject, h.Level));
        Assert.Equal([0.2, 0.9], h.Items.Select(i => i.Score!.Value));
        Assert.Equal([true, false], h.Items.Select(i => i.StoredCorrect!.Value));
        var graded = Regrader.Grade(ps, DatasetRegistry.Get("math"));
        Assert.Equal([true, false, true, true], graded.Select(r => r.Compat.Correct));
        Assert.Equal([true, false, true, true], graded.Select(r => r.Strict.Correct));
        var agree = Regrader.Agreement(ps, graded);
        Assert.Equal((2, 2, 2), (agree.Compared, agree.CompatAgree, agree.StrictAgree));
    }

    [Fact]
    public void Grader_CompatAndStrictDisagreeWhereTheHarnessIsLenient()
    {
        var g = new SampleGrader(false);
        // The harness accepts gold/100 (percentage rule); strict does not.
        var v = g.Grade("50", "50", "So the answer is 0.5.");
        Assert.True(v.Compat.Correct);
        Assert.False(v.Strict.Correct);
        // Empty completion: never right, even against a gold the harness emptied.
        Assert.False(g.Grade("\\text{east}", "", "").Compat.Correct);
        // PAL: the program result is the answer.
        var pal = g.Grade("18", "18", "```python\ndef solution():\n    return 18\n```", programResult: "18.0");
        Assert.True(pal.Strict.Correct);
        Assert.True(pal.Compat.Correct);
        var mc = new SampleGrader(true).Grade("C", "C", "Step by step... The answer is (C).");
        Assert.Equal(("C", "C"), (mc.Strict.Answer, mc.Compat.Answer));
    }
}
