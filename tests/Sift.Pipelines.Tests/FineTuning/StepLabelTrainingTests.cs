using System.Text.Json;
using Sift.Core.Random;
using Sift.Data.Examples;
using Sift.Engine;
using Sift.Engine.Model;
using Sift.Engine.Ops;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.FineTuning;

/// <summary>
/// prm/orm training: the sampler puts the label id at exactly the read rows and ignores every other target; the
/// objective's loss depends on the logits at those rows only, and its per-token weights, backpropagated by the engine,
/// are the gradient of that loss (finite differences, at the logits and at the parameters).
/// </summary>
public sealed unsafe class StepLabelTrainingTests
{
    private const int Good = 43, Bad = 45; // '+' and '-' as byte ids
    private const int Ign = ExampleSampler.IgnoreTarget;

    /// <summary>A test encoder: each '#' of "text" is a read row, "labels" holds one '+' or '-' per '#'.</summary>
    private sealed class HashEncoder : ILabelledLineEncoder
    {
        public int PositiveId => Good;

        public int NegativeId => Bad;

        public string Format => "test-hash";

        public LabelledPrompt Encode(string json, string where)
        {
            using var doc = JsonDocument.Parse(json);
            string text = doc.RootElement.GetProperty("text").GetString()!, labels = doc.RootElement.GetProperty("labels").GetString()!;
            int[] rows = [.. Enumerable.Range(0, text.Length).Where(i => text[i] == '#')];
            return new LabelledPrompt([.. text.Select(c => (int)c)], rows, [.. labels.Select(c => c == '+')]);
        }
    }

    private static (string Text, string Labels)[] Lines =>
    [
        ("Q: ab#cd#", "+-"),
        ("Q: x#", "-"),
        ("Q: yy#zz#w#", "+++"),
    ];

    private static string Pack(string dir, ExampleKind kind)
    {
        string input = Path.Combine(dir, "in.jsonl");
        File.WriteAllLines(input, Lines.Select(l => JsonSerializer.Serialize(new { text = l.Text, labels = l.Labels })));
        string output = Path.Combine(dir, "data");
        new ExamplePacker(new ByteTokenizer(), new ExamplePackOptions { Kind = kind, Threads = 1, Labelled = new HashEncoder() }).Pack([input], output);
        return output;
    }

    [Fact]
    public void Sampler_TargetsTheLabelIdAtReadRowsOnly_EvenWhenTheLastTokenIsARow()
    {
        string dir = Directory.CreateTempSubdirectory("sift-prm-sampler").FullName;
        try
        {
            using var set = ExampleSet.Open(Pack(dir, ExampleKind.Prm));
            Assert.Equal(ExampleKind.Prm, set.Kind);
            Assert.Equal([Good, Bad], set.Manifest.LabelIds!);
            Assert.Equal((4, 2), (set.Manifest.PositiveLabels, set.Manifest.NegativeLabels));
            const int T = 12;
            var sampler = new ExampleSampler(set, T, 1);
            int rows = Lines.Length;
            var (inputs, targets, positions) = (new int[rows * T], new int[rows * T], new int[rows * T]);
            var rowInfo = new ExampleRow[rows];
            Assert.Equal(rows, sampler.ReadBatch(0, rows, new ExampleBatchSpans { Inputs = inputs, Targets = targets, Positions = positions, Rows = rowInfo }));
            for (int r = 0; r < rows; r++)
            {
                var (text, labels) = Lines[r];
                int k = 0;
                for (int j = 0; j < T; j++)
                {
                    int at = (r * T) + j;
                    if (j < text.Length)
                    {
                        Assert.Equal(text[j], inputs[at]); // the scorer's tokens, the last one (a row) included
                    }
                    int expected = j < text.Length && text[j] == '#' ? (labels[k++] == '+' ? Good : Bad) : Ign;
                    Assert.True(expected == targets[at], $"row {r} column {j}: target {targets[at]}, expected {expected}");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Loss_DependsOnLabelledLogitsOnly_AndTheEnginesGradientMatchesFiniteDifferences()
    {
        const int n = 6, V = 50;
        int[] targets = [Ign, Good - 10, Ign, Ign, Bad - 10, Ign]; // two labelled rows
        var rng = new Rng(3);
        float[] logits = [.. Enumerable.Range(0, n * V).Select(_ => (float)(rng.NextDouble() * 4 - 2))];
        var objective = new StepLabelObjective(Good - 10, Bad - 10);
        var losses = new float[n];
        var weights = new float[n];

        double Loss(float[] l)
        {
            fixed (float* lp = losses, x = l)
            {
                CrossEntropy.Losses(lp, x, targets, n, V, 1);
            }
            return objective.ComputeWeights(new ExampleBatch(losses, targets, [], [], [], [], n, 2, 0, null), new float[n]).Loss;
        }

        double baseLoss = Loss(logits);
        objective.ComputeWeights(new ExampleBatch(losses, targets, [], [], [], [], n, 2, 0, null), weights);
        Assert.Equal([0f, 0.5f, 0f, 0f, 0.5f, 0f], weights);
        var grad = (float[])logits.Clone();
        fixed (float* lp = losses, g = grad)
        {
            CrossEntropy.Forward(lp, g, targets, n, V, 1);
            CrossEntropy.Backward(g, weights, targets, n, V, 1);
        }
        var pick = new Rng(9);
        for (int trial = 0; trial < 60; trial++)
        {
            int i = pick.NextInt(n), c = pick.NextInt(V);
            var p = (float[])logits.Clone();
            const float h = 1e-2f;
            p[(i * V) + c] += h;
            double up = Loss(p);
            p[(i * V) + c] -= 2 * h;
            double down = Loss(p);
            double fd = (up - down) / (2 * h);
            if (targets[i] == Ign)
            {
                // Logits away from the read rows do not enter the loss at all.
                Assert.Equal(baseLoss, up);
                Assert.Equal(baseLoss, down);
                Assert.Equal(0f, grad[(i * V) + c]);
            }
            else
            {
                Assert.True(Math.Abs(fd - grad[(i * V) + c]) <= 1e-3, $"row {i} class {c}: engine gradient {grad[(i * V) + c]:G6} vs finite difference {fd:G6}");
            }
        }
    }

    [Fact]
    public void Backward_OfStepLabelWeights_MatchesFiniteDifferencesThroughTheModel()
    {
        const int T = 6;
        var cfg = ObjectiveGradientCheck.Tiny();
        using var model = new LlamaModel(cfg);
        model.InitRandom(3, std: 0.5f);
        using var graph = new TrainingGraph(model, 2, T, Compute.Reference);
        var rng = new Rng(17);
        int[] inputs = [.. Enumerable.Range(0, 2 * T).Select(_ => rng.NextInt(cfg.VocabSize))];
        const int pos = 11, neg = 12;
        int[] targets = [Ign, Ign, pos, Ign, neg, Ign, Ign, neg, Ign, Ign, Ign, pos];
        var objective = new StepLabelObjective(pos, neg);
        ExampleBatch Batch(bool outputs) => new(graph.Losses, targets, [], [], [], [], T, 4, 0, null, outputs ? graph.Logits : default, cfg.VocabSize);
        double Loss()
        {
            graph.Forward(inputs, targets, forBackward: false);
            return objective.ComputeWeights(Batch(false), new float[2 * T]).Loss;
        }

        var weights = new float[2 * T];
        graph.ZeroGrad();
        graph.Forward(inputs, targets);
        Assert.Equal(4, objective.ComputeWeights(Batch(true), weights).Kept);
        Assert.Equal(4L, objective.AddTo(new Sift.Pipelines.Training.Metrics.MetricsLine()).StepLabels!.Labels);
        graph.Backward(weights);
        ObjectiveGradientCheck.Check(model, graph, Loss, "step labels");
    }
}
