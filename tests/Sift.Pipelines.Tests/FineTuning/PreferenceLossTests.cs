using Sift.Data.Examples;
using Sift.Pipelines.Training.FineTuning;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Pipelines.Tests.FineTuning;

/// <summary>
/// DPO, IPO, KTO and SFT losses and per-token weights against closed-form values written out independently, and
/// against finite differences of the objective's own loss with respect to each token loss.
/// </summary>
public sealed class PreferenceLossTests
{
    private const int T = 4;
    private const int Ign = ExampleSampler.IgnoreTarget;

    // Pair rows: chosen tokens 0.5 + 0.7 (the third column is a prompt target), rejected 1.0 + 0.2 + 0.3.
    private static readonly float[] s_pairLosses = [0.5f, 0.7f, 0f, 0f, 1.0f, 0.2f, 0.3f, 0f];
    private static readonly int[] s_pairTargets = [5, 6, Ign, Ign, 7, 8, 9, Ign];
    private static readonly ExampleRow[] s_pairRows = [new(0, 0, 0, 4, -1), new(0, 1, 4, 5, -1)];

    // Documents 0, 1 are example 0's chosen and rejected; log π_ref = −1.0 and −1.8.
    private static ReferenceLogProbs PairReference() => new(ex => 2 * ex, [-1.0, -1.8], "hand-built");

    [Theory]
    [InlineData(0.1, 0.0)]
    [InlineData(0.5, 0.2)]
    public void Dpo_Sigmoid_EqualsTheClosedForm(double beta, double eps)
    {
        // log π_c = −1.2, log π_r = −1.5: ρ_c = −0.2, ρ_r = 0.3, Δ = −0.5.
        double delta = -0.5, x = beta * delta;
        double expected = (-(1 - eps) * Math.Log(1 / (1 + Math.Exp(-x)))) - (eps * Math.Log(1 / (1 + Math.Exp(x))));
        double dDelta = (-(1 - eps) * beta / (1 + Math.Exp(x))) + (eps * beta / (1 + Math.Exp(-x)));
        var obj = new DpoObjective(DpoLoss.Sigmoid, beta, eps);
        var w = new float[2 * T];
        var share = obj.ComputeWeights(Batch(s_pairLosses, 1), w);
        Assert.Equal(expected, share.Loss, 6);
        // A chosen token's loss lowers log π_c, so its weight is −dL/dΔ; a rejected token's is +dL/dΔ.
        Close([-dDelta, -dDelta, 0, 0, dDelta, dDelta, dDelta, 0], w);
        Assert.Equal(5, share.Kept);
        if (eps == 0)
        {
            Assert.Equal(Math.Log(1 + Math.Exp(-x)), share.Loss, 6); // softplus form
        }
    }

    [Fact]
    public void Dpo_HingeAndIpo_EqualTheClosedForms()
    {
        var w = new float[2 * T];
        // Hinge, β = 0.5: max(0, 1 − βΔ) = 1.25, dL/dΔ = −β.
        var hinge = new DpoObjective(DpoLoss.Hinge, 0.5, 0).ComputeWeights(Batch(s_pairLosses, 1), w);
        Assert.Equal(1.25, hinge.Loss, 6);
        Assert.Equal(0.5f, w[0]);
        Assert.Equal(-0.5f, w[4]);
        // Past the margin the hinge is flat: βΔ ≥ 1 gives no loss and no gradient.
        var flat = new DpoObjective(DpoLoss.Hinge, 10, 0).ComputeWeights(Batch([0f, 0f, 0f, 0f, 3f, 3f, 3f, 0f], 1), w);
        Assert.Equal(0, flat.Loss, 12);
        Assert.All(w, v => Assert.Equal(0f, v));
        // IPO, τ = 0.5: ρ_c/2 − ρ_r/3 = −0.1 − 0.1 = −0.2; (−0.2 − 1)² = 1.44; dL/dΔ̄ = −2.4, ÷ each length.
        var ipo = new DpoObjective(DpoLoss.Ipo, 0.5, 0).ComputeWeights(Batch(s_pairLosses, 1), w);
        Assert.Equal(1.44, ipo.Loss, 6);
        Assert.Equal((float)(2.4 / 2), w[0], 6);
        Assert.Equal((float)(-2.4 / 3), w[4], 6);
    }

    [Fact]
    public void Kto_EqualsTheClosedForm_WithTheKlClampedAndDetached()
    {
        // Row 0 desirable (loss 0.4 + 0.6, ref −1.5: r = 0.5), row 1 undesirable (loss 2.0, ref −1.0: r = −1.0).
        // KL rows: −(0.3) − (−0.8) = 0.5 and −(1.1) − (−0.3) = −0.8: mean −0.15, clamped to 0.
        float[] losses = [0.4f, 0.6f, 0f, 0f, 2.0f, 0f, 0f, 0f];
        int[] targets = [1, 2, Ign, Ign, 3, Ign, Ign, Ign];
        ExampleRow[] rows = [new(0, 0, 0, 3, 1), new(1, 0, 10, 2, 0)];
        float[] aux = [0.3f, 0f, 0f, 0f, 1.1f, 0f, 0f, 0f];
        int[] auxTargets = [4, Ign, Ign, Ign, 5, Ign, Ign, Ign];
        ExampleRow[] auxRows = [new(0, 1, 3, 2, 1), new(1, 1, 12, 2, 0)];
        var reference = new ReferenceLogProbs(ex => 2 * ex, [-1.5, -0.8, -1.0, -0.3], "hand-built");
        double beta = 0.7, lD = 1.3, lU = 0.6;
        static double S(double x) => 1 / (1 + Math.Exp(-x));
        double z0 = 0;
        double expected = ((lD * (1 - S(beta * (0.5 - z0)))) + (lU * (1 - S(beta * (z0 + 1.0))))) / 2;
        double gD = -lD * beta * S(beta * 0.5) * (1 - S(beta * 0.5)) / 2, gU = lU * beta * S(beta * 1.0) * (1 - S(beta * 1.0)) / 2;
        var w = new float[2 * T];
        var share = new KtoObjective(beta, lD, lU).ComputeWeights(new ExampleBatch(losses, targets, rows, aux, auxTargets, auxRows, T, 3, 2, reference), w);
        Assert.Equal(expected, share.Loss, 6);
        Close([-gD, -gD, 0, 0, -gU, 0, 0, 0], w);

        // A positive KL estimate shifts both terms (z0 = mean(0.5, 0.2) = 0.35 when the second KL row costs 0.1).
        aux[4] = 0.1f;
        z0 = 0.35;
        expected = ((lD * (1 - S(beta * (0.5 - z0)))) + (lU * (1 - S(beta * (z0 + 1.0))))) / 2;
        share = new KtoObjective(beta, lD, lU).ComputeWeights(new ExampleBatch(losses, targets, rows, aux, auxTargets, auxRows, T, 3, 2, reference), w);
        Assert.Equal(expected, share.Loss, 6);
        Assert.Equal(0.35, PreferenceLosses.KtoKl([0.5, 0.2]), 12);
        Assert.Equal(0, PreferenceLosses.KtoKl([-0.5, 0.2]), 12);
    }

    [Fact]
    public void Sft_DividesByTheStepsCompletionTokens()
    {
        var w = new float[2 * T];
        var share = new SftObjective().ComputeWeights(Batch(s_pairLosses, 1, stepTargets: 10), w);
        Assert.Equal((0.5 + 0.7 + 1.0 + 0.2 + 0.3) / 10, share.Loss, 6);
        Assert.Equal([0.1f, 0.1f, 0f, 0f, 0.1f, 0.1f, 0.1f, 0f], w);
    }

    public static TheoryData<string> Objectives => ["dpo-sigmoid", "dpo-smoothed", "hinge", "ipo", "kto"];

    [Theory]
    [MemberData(nameof(Objectives))]
    public void Weights_AreFiniteDifferencesOfTheLoss_InEachTokenLoss(string which)
    {
        var losses = (float[])s_pairLosses.Clone();
        float[] aux = [0.9f, 0f, 0f, 0f, 0.1f, 0f, 0f, 0f];
        int[] auxTargets = [4, Ign, Ign, Ign, 5, Ign, Ign, Ign];
        bool kto = which == "kto";
        ExampleRow[] rows = kto ? [new(0, 0, 0, 4, 1), new(1, 0, 4, 5, 0)] : s_pairRows;
        ExampleRow[] auxRows = kto ? [new(0, 1, 0, 2, 1), new(1, 1, 0, 2, 0)] : [];
        var reference = kto ? new ReferenceLogProbs(ex => 2 * ex, [-1.0, -1.3, -1.8, -0.2], "hand-built") : PairReference();
        IExampleObjective Make() => which switch
        {
            "dpo-sigmoid" => new DpoObjective(DpoLoss.Sigmoid, 0.8, 0),
            "dpo-smoothed" => new DpoObjective(DpoLoss.Sigmoid, 0.8, 0.3),
            "hinge" => new DpoObjective(DpoLoss.Hinge, 0.8, 0),
            "ipo" => new DpoObjective(DpoLoss.Ipo, 0.8, 0),
            _ => new KtoObjective(0.8, 1.2, 0.7),
        };
        ExampleBatch B(float[] l) => new(l, s_pairTargets, rows, kto ? aux : [], kto ? auxTargets : [], auxRows, T, 5, kto ? 2 : 1, reference);
        var w = new float[2 * T];
        Make().ComputeWeights(B(losses), w);
        var scratch = new float[2 * T];
        for (int i = 0; i < losses.Length; i++)
        {
            const float h = 1e-3f;
            float orig = losses[i];
            losses[i] = orig + h;
            double up = Make().ComputeWeights(B(losses), scratch).Loss;
            losses[i] = orig - h;
            double down = Make().ComputeWeights(B(losses), scratch).Loss;
            losses[i] = orig;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - w[i]) < 2e-4, $"{which} token {i}: weight {w[i]} vs finite difference {fd}");
        }
    }

    [Fact]
    public void ScalarLosses_AreStable_AndTheirDerivativesMatchFiniteDifferences()
    {
        Assert.Equal(-1000, PreferenceLosses.LogSigmoid(-1000), 6);
        Assert.Equal(0, PreferenceLosses.LogSigmoid(1000), 12);
        Assert.Equal(Math.Log(2), PreferenceLosses.Softplus(0), 12);
        foreach (var kind in new[] { DpoLoss.Sigmoid, DpoLoss.Hinge, DpoLoss.Ipo })
        {
            foreach (double d in new[] { -3.0, -0.4, 0.7, 2.5 })
            {
                const double h = 1e-6;
                var lg = PreferenceLosses.Dpo(kind, d, 0.3, kind == DpoLoss.Sigmoid ? 0.1 : 0);
                double fd = (PreferenceLosses.Dpo(kind, d + h, 0.3, kind == DpoLoss.Sigmoid ? 0.1 : 0).Loss - PreferenceLosses.Dpo(kind, d - h, 0.3, kind == DpoLoss.Sigmoid ? 0.1 : 0).Loss) / (2 * h);
                Assert.Equal(fd, lg.Grad, 6);
            }
        }
        foreach (bool desirable in new[] { true, false })
        {
            const double h = 1e-6;
            var lg = PreferenceLosses.Kto(desirable, 0.4, 0.1, 2, 1.5, 0.5);
            double fd = (PreferenceLosses.Kto(desirable, 0.4 + h, 0.1, 2, 1.5, 0.5).Loss - PreferenceLosses.Kto(desirable, 0.4 - h, 0.1, 2, 1.5, 0.5).Loss) / (2 * h);
            Assert.Equal(fd, lg.Grad, 6);
        }
    }

    private static void Close(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-7 + (1e-6 * Math.Abs(expected[i])), $"weight {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static ExampleBatch Batch(float[] losses, long examples, long stepTargets = 5) =>
        new(losses, s_pairTargets, s_pairRows, [], [], [], T, stepTargets, examples, PairReference());
}
