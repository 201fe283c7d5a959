using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Eval.Grading;
using Sift.Eval.Metrics;
using Sift.Eval.Reporting;
using Sift.Eval.Samples;
using Sift.Grading;
using Xunit.Abstractions;

namespace Sift.Eval.Tests;

/// <summary>Reading scored samples for <c>sift bon</c>: both layouts, and bad input stopped at the line and field.</summary>
public sealed class ScoredSamplesTests(ITestOutputHelper output)
{
    private static string Write(params string[] lines)
    {
        string path = Path.Combine(TestPaths.TempDir(), "scored.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static JsonObject Sample(int idx, int sample, string answer, bool correct, double? score)
    {
        var r = new SampleRecord
        {
            Idx = idx,
            Sample = sample,
            Gold = "4",
            GoldCompat = "4",
            Completion = $"The answer is {answer}.",
            Strict = new Verdict(answer, correct, "exact"),
            Compat = new Verdict(answer, correct, "numeric"),
        };
        var o = JsonNode.Parse(r.ToJson())!.AsObject();
        if (score is double s)
        {
            o["score"] = s;
        }
        return o;
    }

    [Fact]
    public void SiftSamples_KeepTheirVerdictsAndScores_AndVoteByEquivalenceInStrictMode()
    {
        string path = Write(
            Sample(0, 0, "4", true, 0.2).ToJsonString(),
            Sample(0, 1, "4.0", true, 0.3).ToJsonString(),
            Sample(0, 2, "5", false, 0.9).ToJsonString(),
            Sample(1, 0, "7", false, 0.5).ToJsonString(),
            Sample(1, 1, "4", true, 0.1).ToJsonString(),
            Sample(1, 2, "7", false, 0.6).ToJsonString());
        var strict = ScoredSamplesFile.Read(path, GradeMode.Strict);
        Assert.Equal(VerdictSource.Samples, strict.Verdicts);
        Assert.Equal((2, 3), (strict.Problems.Count, strict.Pool));
        // "4" and "4.0" are one answer under the strict grader, two strings under compat's exact vote.
        Assert.Equal([0, 0, 1], strict.Problems[0].VoteClass);
        Assert.Equal([0, 1, 2], ScoredSamplesFile.Read(path, GradeMode.Compat).Problems[0].VoteClass);
        var rows = BonReport.Rows(strict.Problems, ScalingCurves.Compute(strict.Problems, 20, 1));
        var full = rows[^1];
        Assert.Equal(3, full.N);
        // Problem 0: maj "4" ✓, best 0.9 "5" ✗, weighted 0.5 vs 0.9 → "5" ✗; problem 1: maj "7" ✗, best "7" ✗, weighted 1.1 vs 0.1 ✗.
        Assert.Equal((100.0, 50.0, 0.0, 0.0), (full.Pass.Mean, full.Majority.Mean, full.Bon!.Mean, full.Weighted!.Mean));
    }

    [Fact]
    public void HarnessRows_InCompatMode_UseTheStoredVerdicts()
    {
        string path = Write(
            """{"idx": 0, "gt": "2", "code": ["a", "b", "c"], "pred": ["2", "3", "3"], "score": [true, false, false], "pred_score": [[0.9], [0.2], [0.3]]}""",
            """{"idx": 1, "gt": "5", "code": ["a", "b", "c"], "pred": ["5", "5", "1"], "score": [true, true, false], "pred_score": [0.1, 0.1, 0.7]}""");
        var s = ScoredSamplesFile.Read(path, GradeMode.Compat);
        Assert.Equal(VerdictSource.Stored, s.Verdicts);
        var json = BonReport.Json(s, BonReport.Rows(s.Problems, ScalingCurves.Compute(s.Problems, 10, 1)), GradeMode.Compat, 10, 1);
        var last = json["curves"]!.AsArray()[^1]!;
        Assert.Equal(3, (int)last["n"]!);
        // maj: p0 "3" ✗, p1 "5" ✓; bon: p0 0.9 ✓, p1 0.7 ✗; weighted: p0 0.9 vs 0.5 ✓, p1 0.2 vs 0.7 ✗.
        Assert.Equal(50.0, (double)last["majority"]!);
        Assert.Equal(50.0, (double)last["bon"]!);
        Assert.Equal(50.0, (double)last["weighted"]!);
        Assert.Equal(100.0, (double)last["pass"]!);
        Assert.Equal(0.0, (double)last["bon_std"]!);
        Assert.Equal(2, (int)json["problems"]!);
        Assert.Equal(3, (int)json["pool"]!);
        Assert.Equal("stored", (string)json["verdicts"]!);
        // Strict re-grades the completions: that needs the benchmark.
        var ex = Assert.Throws<SiftException>(() => ScoredSamplesFile.Read(path, GradeMode.Strict));
        Assert.Contains("--dataset", ex.Message);
    }

    [Theory]
    [InlineData("missing-score", ":2: missing \"score\" (a number) for idx 0 sample 1")]
    [InlineData("bad-score", ":1: \"score\" is not a number")]
    [InlineData("missing-gold", ":1: missing \"gold\"")]
    [InlineData("duplicate", ":2: idx 0 sample 0 appears twice (first on line 1)")]
    [InlineData("short-scores", ":1: \"pred_score\" has 2 entries but \"code\" has 3 (idx 7): samples and scores must line up")]
    [InlineData("no-scores", ":1: missing \"pred_score\"")]
    [InlineData("bad-entry", ":1: pred_score[1] is not a number or [number] (idx 7)")]
    [InlineData("no-gt", ":1: missing \"gt\" (the gold answer) for idx 7")]
    [InlineData("verdicts-misaligned", ":1: \"pred\" has 3 and \"score\" has 2 entries")]
    [InlineData("mixed", ":2: this line's layout differs")]
    public void BadInput_NamesTheLineAndTheField(string kind, string expected)
    {
        string harness(string rm, string extra = "\"gt\": \"2\", ") => $$"""{"idx": 7, {{extra}}"code": ["a", "b", "c"], "pred": ["1", "2", "3"], "score": [false, true, false], "pred_score": {{rm}}}""";
        string[] lines = kind switch
        {
            "missing-score" => [Sample(0, 0, "4", true, 0.5).ToJsonString(), Sample(0, 1, "4", true, null).ToJsonString()],
            "bad-score" => [Sample(0, 0, "4", true, null).ToJsonString().Replace("\"strict\"", "\"score\":\"high\",\"strict\"", StringComparison.Ordinal)],
            "missing-gold" => [RemoveField(Sample(0, 0, "4", true, 0.5), "gold")],
            "duplicate" => [Sample(0, 0, "4", true, 0.5).ToJsonString(), Sample(0, 0, "4", true, 0.5).ToJsonString()],
            "short-scores" => [harness("[0.1, 0.2]")],
            "no-scores" => [harness("null").Replace(", \"pred_score\": null", "", StringComparison.Ordinal)],
            "bad-entry" => [harness("[0.1, \"x\", 0.3]")],
            "no-gt" => [harness("[0.1, 0.2, 0.3]", "")],
            "verdicts-misaligned" => [harness("[0.1, 0.2, 0.3]").Replace("\"score\": [false, true, false]", "\"score\": [false, true]", StringComparison.Ordinal)],
            _ => [harness("[0.1, 0.2, 0.3]"), Sample(0, 0, "4", true, 0.5).ToJsonString()],
        };
        string path = Write(lines);
        var ex = Assert.Throws<SiftException>(() => ScoredSamplesFile.Read(path, GradeMode.Compat));
        output.WriteLine(ex.Message);
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static string RemoveField(JsonObject o, string field)
    {
        o.Remove(field);
        return o.ToJsonString();
    }

    /// <summary>The shared best-of-8 fixture at its pool size reproduces the published numbers (README table).</summary>
    [Fact]
    public void SharedFixture_AtThePoolSize_GivesThePublishedNumbers()
    {
        if (TestPaths.Shared("qwen_rm_maj_example", "math_cot_100.jsonl") is not { } path)
        {
            output.WriteLine("SKIPPED: shared qwen_rm_maj_example fixture not found");
            return;
        }
        var compat = ScoredSamplesFile.Read(path, GradeMode.Compat);
        Assert.Equal((VerdictSource.Stored, 100, 8), (compat.Verdicts, compat.Problems.Count, compat.Pool));
        var rows = BonReport.Rows(compat.Problems, ScalingCurves.Compute(compat.Problems, 100, 1));
        var at8 = rows[^1];
        Assert.Equal((8, 96.0, 93.0, 94.0), (at8.N, at8.Pass.Mean, at8.Majority.Mean, at8.Bon!.Mean));
        // Accuracy 90.0 is the first sample's; a random single sample is right 91.0% of the time on this file.
        Assert.Equal(91.0, rows[0].PassExact, 9);
        var strict = ScoredSamplesFile.Read(path, GradeMode.Strict, DatasetRegistry.Get("math"));
        Assert.Equal(VerdictSource.Regraded, strict.Verdicts);
        var s8 = BonReport.Rows(strict.Problems, ScalingCurves.Compute(strict.Problems, 10, 1))[^1];
        // Strict accepts the bare numbers given for percent golds (25 for 25\%) and 10000 for 10{,}000, which the
        // stored harness verdict rejects.
        Assert.Equal((97.0, 93.0, 95.0), (s8.Pass.Mean, s8.Majority.Mean, s8.Bon!.Mean));
    }
}
