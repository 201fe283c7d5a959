using Sift.Core;
using Sift.Eval.Metrics;

namespace Sift.Eval.Tests;

/// <summary>ProcessBench earliest-error metrics on hand-built cases.</summary>
public sealed class ProcessBenchTests
{
    [Fact]
    public void F1_IsTheHarmonicMeanOfTheTwoAccuracies()
    {
        // Erroneous: labels 2, 0, 3 predicted 2 ✓, 0 ✓, -1 ✗ → 2/3. Correct: predicted -1 ✓, 1 ✗ → 1/2.
        var rows = ProcessBench.Score([new("gsm8k", -1, -1), new("gsm8k", -1, 1), new("gsm8k", 2, 2), new("gsm8k", 0, 0), new("gsm8k", 3, -1)]);
        var r = Assert.Single(rows);
        Assert.Equal((3, 2), (r.Erroneous, r.Correct));
        Assert.Equal(200.0 / 3, r.ErrorAccuracy, 9);
        Assert.Equal(50.0, r.CorrectAccuracy, 9);
        Assert.Equal(400.0 / 7, r.F1, 9); // 2·(2/3)(1/2)/(2/3 + 1/2) = 4/7
    }

    [Fact]
    public void Average_IsTheMeanOverSplits_AndAPredictionTooLateOrEarlyIsWrong()
    {
        var rows = ProcessBench.Score([new("math", 1, 0), new("math", -1, -1), new("gsm8k", 1, 1), new("gsm8k", -1, -1)]);
        Assert.Equal(["gsm8k", "math", "average"], rows.Select(x => x.Split));
        Assert.Equal(100.0, rows[0].F1, 9);
        Assert.Equal(0.0, rows[1].F1, 9); // acc_err 0 → F1 0
        Assert.Equal(50.0, rows[2].F1, 9);
    }

    [Theory]
    [InlineData(new[] { 0.9, 0.8, 0.3, 0.9 }, 0.5, 2)]
    [InlineData(new[] { 0.9, 0.8 }, 0.5, -1)]
    [InlineData(new[] { 0.5, 0.4 }, 0.5, 1)] // a score equal to the threshold is not an error
    [InlineData(new double[0], 0.5, -1)]
    public void EarliestError_IsTheFirstStepBelowTheThreshold(double[] scores, double threshold, int expected) =>
        Assert.Equal(expected, ProcessBench.EarliestError(scores, threshold));

    [Fact]
    public void Read_TakesPredictionsOrStepScores_AndNamesBadLines()
    {
        string dir = TestPaths.TempDir();
        string path = Path.Combine(dir, "math.jsonl");
        File.WriteAllLines(path,
        [
            """{"id": "a", "steps": ["s0", "s1", "s2"], "label": 1, "step_scores": [0.9, 0.2, 0.8]}""",
            """{"id": "b", "steps": ["s0"], "label": -1, "prediction": -1}""",
        ]);
        var cases = ProcessBench.Read(path, 0.5);
        Assert.Equal([new StepCase("math", 1, 1), new StepCase("math", -1, -1)], cases);
        Assert.Contains("need --threshold", Assert.Throws<SiftException>(() => ProcessBench.Read(path, null)).Message);
        File.WriteAllLines(path, ["""{"steps": ["s0", "s1"], "label": 0, "step_scores": [0.1]}"""]);
        Assert.Contains(":1: \"step_scores\" has 1 entries but \"steps\" has 2", Assert.Throws<SiftException>(() => ProcessBench.Read(path, 0.5)).Message);
        File.WriteAllLines(path, ["""{"steps": ["s0"], "prediction": 0}"""]);
        Assert.Contains(":1: missing \"label\"", Assert.Throws<SiftException>(() => ProcessBench.Read(path, 0.5)).Message);
    }

    [Fact]
    public void BonGain_IsBestOfNMinusMajority()
    {
        var row = new Sift.Eval.Reporting.BonRow(4, new CurvePoint(4, 90, 0), new CurvePoint(4, 70, 1), new CurvePoint(4, 76.5, 1), new CurvePoint(4, 72, 1), 90, 76);
        Assert.Equal(6.5, row.BonGain!.Value, 9);
        Assert.Equal(2.0, row.WeightedGain!.Value, 9);
    }
}
