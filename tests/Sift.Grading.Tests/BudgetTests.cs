namespace Sift.Grading.Tests;

/// <summary>Time budgets are cooperative: cancellation and deadlines surface as TimedOut results, never as hangs or throws.</summary>
public sealed class BudgetTests
{
    [Fact]
    public void CancelledTokenYieldsTimedOutResult()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var r = Grader.Grade("\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}", GradeMode.Strict, cancellationToken: cts.Token);
        Assert.True(r.TimedOut);
        Assert.False(r.Equal);
        Assert.Equal("timeout", r.Rule);
    }

    [Fact]
    public void ZeroBudgetTimesOutInBothModes()
    {
        var options = GradeOptions.Default with { Budget = TimeSpan.Zero };
        foreach (var mode in new[] { GradeMode.Strict, GradeMode.Compat })
        {
            var r = Grader.Grade("\\sec^2(y)", "\\tan^2(y)+1", mode, options);
            Assert.True(r.TimedOut, mode.ToString());
        }
    }

    [Fact]
    public void TowerOfPowersFinishesAndIsNotEqualToItsNeighbour()
    {
        // Math-Verify issue #65 hangs on this; exact arithmetic gives up on the size and falls back to doubles.
        var tower = "\\dfrac{5^{(5^{(5^{(5^5)})}-4)}-5}{16}";
        var r = Grader.Grade(tower, "\\dfrac{5^{(5^{(5^{(5^5)})}-4)}-6}{16}", GradeMode.Strict);
        Assert.False(r.Equal);
        var c = Grader.Grade(tower, "\\dfrac{5^{(5^{(5^{(5^5)})}-4)}-6}{16}", GradeMode.Compat);
        Assert.False(c.Equal);
    }

    [Fact]
    public void ExplainShowsNormalisedFormsAndRule()
    {
        var r = Grader.Grade("\\frac{1}{4}", "\\frac{2}{8}");
        var text = r.Explain();
        Assert.Contains("(1)/(4)", text);
        Assert.Contains("(2)/(8)", text);
        Assert.Contains("rule: exact", text);
        Assert.Contains("EQUAL", text);
    }

    [Fact]
    public void GradeResponseExtractsThenGrades()
    {
        var completion = "We find $x = 3$.\nFinal Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.";
        var strict = Grader.GradeResponse("0.75", completion);
        Assert.True(strict.Equal);
        Assert.Contains(strict.Trace, t => t.Contains("minerva", StringComparison.Ordinal));
        var compat = Grader.GradeResponse("\\frac{3}{4}", completion, GradeMode.Compat);
        Assert.True(compat.Equal);
    }

    [Fact]
    public void SummaryCountsTimeoutsAndRules()
    {
        var summary = new GradingSummary();
        summary.Add(Grader.Grade("1", "1"));
        summary.Add(Grader.Grade("1", "2"));
        summary.Add(Grader.Grade("x", "x+0", options: GradeOptions.Default with { Budget = TimeSpan.Zero }));
        Assert.Equal(3, summary.Total);
        Assert.Equal(1, summary.Equal);
        Assert.Equal(1, summary.TimedOut);
        Assert.Equal(1, summary.Rules["timeout"]);
        Assert.Equal("acc 33.3% (1/3), timeouts 1", summary.ToString());
    }

    [Fact]
    public void MultipleChoiceResponsesCompareLetters()
    {
        var options = GradeOptions.Default with { MultipleChoice = true };
        Assert.True(Grader.GradeResponse("C", "Working... so the answer is (C).", GradeMode.Strict, options).Equal);
        Assert.False(Grader.GradeResponse("C", "Working... so the answer is (B).", GradeMode.Strict, options).Equal);
        Assert.True(Grader.GradeResponse("C", "Working... so the answer is (C).", GradeMode.Compat, options).Equal);
    }
}
