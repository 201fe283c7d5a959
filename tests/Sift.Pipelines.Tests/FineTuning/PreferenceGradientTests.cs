using Sift.Core.Random;
using Sift.Data.Examples;
using Sift.Engine;
using Sift.Engine.Model;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.FineTuning;

/// <summary>
/// Finite-difference checks through the engine: the objective's per-token weights backpropagated by the model give
/// the gradient of the objective's loss with respect to every kind of parameter (KTO's KL estimate held fixed, as it
/// is detached).
/// </summary>
public sealed unsafe class PreferenceGradientTests
{
    private const int T = 6;
    private const int Ign = ExampleSampler.IgnoreTarget;

    public static TheoryData<string> Objectives => ["dpo", "hinge", "ipo", "kto"];

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Backward_OfObjectiveWeights_MatchesFiniteDifferences(string which)
    {
        var cfg = ObjectiveGradientCheck.Tiny();
        using var model = new LlamaModel(cfg);
        model.InitRandom(3, std: 0.5f);
        using var graph = new TrainingGraph(model, 2, T, Compute.Reference);
        var rng = new Rng(17);
        int[] Rand() => [.. Enumerable.Range(0, 2 * T).Select(_ => rng.NextInt(cfg.VocabSize))];
        int[] inputs = Rand(), targets = Rand(), auxInputs = Rand(), auxTargets = Rand();
        foreach (int i in new[] { 0, 1, T, T + 5 })
        {
            targets[i] = Ign; // prompt tokens and padding
            auxTargets[i] = Ign;
        }
        bool kto = which == "kto";
        ExampleRow[] rows = kto ? [new(0, 0, 0, T + 1, 1), new(1, 0, 0, T + 1, 0)] : [new(0, 0, 0, T + 1, -1), new(0, 1, 0, T, -1)];
        ExampleRow[] auxRows = kto ? [new(0, 1, 0, T + 1, 1), new(1, 1, 0, T + 1, 0)] : [];
        // Reference log-probs a little off the model's own, so the log-ratios are moderate (no saturated sigmoid, no hinge kink).
        double RowLogProb(int[] tg, int row)
        {
            double s = 0;
            for (int j = row * T; j < (row + 1) * T; j++)
            {
                s -= tg[j] == Ign ? 0 : graph.Losses[j];
            }
            return s;
        }
        graph.Forward(inputs, targets, forBackward: false);
        double[] logps = kto ? [RowLogProb(targets, 0) - 0.3, 0, RowLogProb(targets, 1) + 0.4, 0] : [RowLogProb(targets, 0) - 0.3, RowLogProb(targets, 1) + 0.4];
        if (kto)
        {
            graph.Forward(auxInputs, auxTargets, forBackward: false);
            (logps[1], logps[3]) = (RowLogProb(auxTargets, 0) - 0.5, RowLogProb(auxTargets, 1) + 0.1);
        }
        var reference = new ReferenceLogProbs(ex => 2 * ex, logps, "hand-built");
        IExampleObjective objective = which switch
        {
            "dpo" => new DpoObjective(DpoLoss.Sigmoid, 0.9, 0.1),
            "hinge" => new DpoObjective(DpoLoss.Hinge, 0.9, 0),
            "ipo" => new DpoObjective(DpoLoss.Ipo, 0.9, 0),
            _ => new KtoObjective(0.9, 1.0, 1.3),
        };

        // The KL rows' losses come from a no-gradient forward at the current weights and stay fixed (z0 is detached).
        float[] auxLosses = new float[2 * T];
        if (kto)
        {
            graph.Forward(auxInputs, auxTargets, forBackward: false);
            graph.Losses.CopyTo(auxLosses, 0);
        }
        ExampleBatch Batch() => new(graph.Losses, targets, rows, kto ? auxLosses : [], kto ? auxTargets : [], auxRows, T, 8, 2, reference);
        var weights = new float[2 * T];
        double Loss()
        {
            graph.Forward(inputs, targets, forBackward: false);
            return objective.ComputeWeights(Batch(), new float[2 * T]).Loss;
        }

        graph.ZeroGrad();
        graph.Forward(inputs, targets);
        var share = objective.ComputeWeights(Batch(), weights);
        Assert.True(share.Kept == 8, $"kept {share.Kept}");
        graph.Backward(weights);
        ObjectiveGradientCheck.Check(model, graph, Loss, which);
    }
}
