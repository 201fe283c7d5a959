using Sift.Eval.Datasets;
using Sift.Eval.Metrics;
using Sift.Eval.Samples;
using Sift.Grading;
using Xunit.Abstractions;

namespace Sift.Eval.Tests;

/// <summary>The shared best-of-8 fixture (Qwen2.5-Math eval_rm_maj_example/math_cot_100.jsonl).</summary>
public sealed class FixtureTests(ITestOutputHelper output)
{
    private static string? Fixture() => TestPaths.Shared("qwen_rm_maj_example", "math_cot_100.jsonl");

    /// <summary>
    /// Qwen's rm_maj_eval.py on this file: maj@8 votes on the stored `pred` strings (Counter.most_common, ties to the
    /// first seen) and scores the first sample of the winning group; rm@8 takes the first argmax of `pred_score`.
    /// It prints maj@8 = 93.0 and rm@8 = 94.0.
    /// </summary>
    [Fact]
    public void StoredVerdicts_GiveQwensMajAndRmAt8()
    {
        if (Fixture() is not { } path)
        {
            output.WriteLine("SKIPPED: shared qwen_rm_maj_example fixture not found");
            return;
        }
        var problems = CompletionFile.Read(path, DatasetRegistry.Get("math"));
        Assert.Equal(100, problems.Count);
        Assert.All(problems, p => Assert.Equal(8, p.Items.Count));
        var outcomes = problems.Select(p => ProblemOutcome.Create(p.Idx, p.Subject, p.Level,
            p.Items.Select(i => new SampleOutcome(i.StoredAnswer!, i.StoredCorrect!.Value, i.Score)).ToList(), ExactVote.Instance)).ToList();
        var m = EvalMetrics.Compute(outcomes);
        Assert.Equal(93.0, m.MajorityAt[8].Percent, 9);
        Assert.Equal(94.0, m.BestOfAt[8].Percent, 9);
        Assert.Equal(90.0, m.Accuracy.Percent, 9);
        Assert.Equal(96.0, m.PassAt[8].Percent, 9);
    }

    /// <summary>Re-grading the completions: compat reproduces the stored verdicts and Qwen's maj@8/rm@8; strict is reported.</summary>
    [Fact]
    public void Regrading_ReproducesTheStoredNumbersInCompatMode()
    {
        if (Fixture() is not { } path)
        {
            output.WriteLine("SKIPPED: shared qwen_rm_maj_example fixture not found");
            return;
        }
        var def = DatasetRegistry.Get("math");
        var problems = CompletionFile.Read(path, def);
        var graded = Regrader.Grade(problems, def);
        var agree = Regrader.Agreement(problems, graded);
        var compat = EvalMetrics.Compute(SampleOutcomes.Build(graded, GradeMode.Compat));
        var strict = EvalMetrics.Compute(SampleOutcomes.Build(graded, GradeMode.Strict));
        output.WriteLine($"compat: acc {compat.Accuracy.Percent:0.0} maj@8 {compat.MajorityAt[8].Percent:0.0} rm@8 {compat.BestOfAt[8].Percent:0.0} pass@8 {compat.PassAt[8].Percent:0.0}; agrees with stored on {agree.CompatAgree}/{agree.Compared}");
        output.WriteLine($"strict: acc {strict.Accuracy.Percent:0.0} maj@8 {strict.MajorityAt[8].Percent:0.0} rm@8 {strict.BestOfAt[8].Percent:0.0} pass@8 {strict.PassAt[8].Percent:0.0}; agrees with stored on {agree.StrictAgree}/{agree.Compared}");
        foreach (var r in graded.Where(r => problems.First(p => p.Idx == r.Idx).Items[r.Sample].StoredCorrect != r.Compat.Correct))
        {
            output.WriteLine($"  compat differs: idx {r.Idx} sample {r.Sample}: gold [{r.GoldCompat}] pred [{r.Compat.Answer}] ours {r.Compat.Correct} ({r.Compat.Rule})");
        }
        foreach (var r in graded.Where(r => problems.First(p => p.Idx == r.Idx).Items[r.Sample].StoredCorrect != r.Strict.Correct))
        {
            output.WriteLine($"  strict differs: idx {r.Idx} sample {r.Sample}: gold [{r.Gold}] answer [{r.Strict.Answer}] ours {r.Strict.Correct} ({r.Strict.Rule})");
        }
        Assert.Equal(800, agree.Compared);
        Assert.Equal(800, agree.CompatAgree);
        Assert.Equal(93.0, compat.MajorityAt[8].Percent, 9);
        Assert.Equal(94.0, compat.BestOfAt[8].Percent, 9);
        Assert.Equal(90.0, compat.Accuracy.Percent, 9);
        // Our compat answers are the harness's stored `pred` strings.
        Assert.All(graded, r => Assert.Equal(problems.First(p => p.Idx == r.Idx).Items[r.Sample].StoredAnswer, r.Compat.Answer));
    }
}
