using Sift.Pipelines.Selective;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Tests.Training;

/// <summary>The typed metrics record reads what earlier versions wrote, and writes what it reads.</summary>
public sealed class MetricsLineTests
{
    [Fact]
    public void AMetricsFileOfThePreviousVersion_Reads()
    {
        var lines = MetricsLog.Read(Path.Combine(AppContext.BaseDirectory, "Training", "Golden", "metrics-v1.jsonl"));
        Assert.Equal(4, lines.Count); // the torn last line is skipped
        Assert.Null(lines[0].TrainedTokens);
        Assert.Equal(500, lines[0].TrainedOrTokens);
        var train = lines[1];
        Assert.Equal((10L, 10240L, 6140L), (train.Step, train.Tokens, train.TrainedTokens!.Value));
        Assert.Equal(5.732086, train.Loss);
        Assert.Equal(0.003f, train.Lr);
        Assert.Equal(16, train.SelectedPositionCounts!.Length);
        Assert.Equal([393L, 640L], train.SelectedPositionCounts[0]);
        Assert.Equal([2926L, 3749L], train.SelectedCounts!["clean"]);
        Assert.Equal(0.7805, train.SelectedShare!["clean"]);
        var eval = lines[2];
        Assert.True(eval.HasProbe);
        Assert.Equal((5.160874, 0.0, 15), (eval.CleanLoss!.Value, eval.Accuracy!.Value, eval.AccuracyProblems!.Value));
        Assert.Equal(5.264141, eval.Tiers!["easy"].AnswerLoss);
        Assert.True(double.IsNaN(lines[3].Loss!.Value));
        Assert.Equal("non-finite", lines[3].Error);
    }

    [Fact]
    public void WriteThenRead_IsTheSameRecord_AndNullsAreOmitted()
    {
        var line = new MetricsLine { Step = 3, Tokens = 30, TrainedTokens = 18, Loss = double.PositiveInfinity, Lr = 1e-3f, SelectedCounts = new() { ["clean"] = [1, 2] } };
        string json = MetricsLog.Serialize(line);
        Assert.DoesNotContain("eval_loss", json);
        Assert.Contains("\"loss\":\"Infinity\"", json);
        var back = MetricsLog.TryParse(json)!;
        Assert.Equal(line.Step, back.Step);
        Assert.Equal(line.Loss, back.Loss);
        Assert.Equal(line.SelectedCounts["clean"], back.SelectedCounts!["clean"]);
    }

    [Fact]
    public void TopK_KeepsTheHighestValidScores_TiesToTheEarlierPosition_AsABruteForceDoes()
    {
        var rng = new Random(5);
        var selector = new TopKSelector();
        for (int trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 40);
            double ratio = rng.Next(1, 11) / 10.0;
            var scores = Enumerable.Range(0, n).Select(_ => (float)rng.Next(0, 6)).ToArray(); // many ties
            var targets = Enumerable.Range(0, n).Select(_ => rng.Next(5) == 0 ? Sift.Engine.Ops.CrossEntropy.IgnoreIndex : 1).ToArray();
            scores.CopyTo(selector.Scores(n));
            var keep = new bool[n];
            int k = selector.SelectTop(targets, 0, n, ratio, keep);

            var valid = Enumerable.Range(0, n).Where(i => targets[i] != Sift.Engine.Ops.CrossEntropy.IgnoreIndex).ToList();
            int want = valid.Count == 0 ? 0 : Math.Clamp((int)Math.Round(ratio * valid.Count, MidpointRounding.AwayFromZero), 1, valid.Count);
            var expected = valid.OrderByDescending(i => scores[i]).ThenBy(i => i).Take(want).ToHashSet();
            Assert.Equal(want, k);
            Assert.Equal(expected.Order(), Enumerable.Range(0, n).Where(i => keep[i]).Order());
        }
    }
}
