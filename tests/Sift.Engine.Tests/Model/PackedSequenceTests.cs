using Sift.Core.Random;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Engine.Tests.Model;

/// <summary>
/// Sequence packing: documents packed into one row with positions restarting at 0 (per-document attention) give the
/// same per-token losses and the same gradients as the documents run one at a time.
/// </summary>
public sealed unsafe class PackedSequenceTests
{
    private static readonly int[] s_lengths = [4, 6, 3]; // inputs per document; 3 columns of padding follow

    [Theory]
    [InlineData("reference", false)]
    [InlineData("managed", false)]
    [InlineData("managed", true)]
    public void PackedRow_EqualsDocumentsRunAlone(string gemm, bool forwardOnly)
    {
        var cfg = ModelGradientTests.TinyConfig(tied: false, heads: 4, kvHeads: 2);
        using var model = new LlamaModel(cfg);
        model.InitRandom(5, std: 0.4f);
        var compute = gemm == "reference" ? Compute.Reference : new Compute(GemmFactory.Create("managed", 2), 2);
        const int T = 16;
        var rng = new Rng(9);
        var docs = s_lengths.Select(len => (Inputs: Rand(rng, len, cfg.VocabSize), Targets: Rand(rng, len, cfg.VocabSize))).ToList();
        docs[1].Targets[0] = CrossEntropy.IgnoreIndex; // a prompt token
        var weights = docs.Select(d => d.Targets.Select(t => t < 0 ? 0f : (float)(0.3 + rng.NextDouble())).ToArray()).ToList();

        // One packed row: doc 0 | doc 1 | doc 2 | padding (positions continue, targets ignored).
        int[] inputs = new int[T], targets = new int[T], positions = new int[T];
        float[] w = new float[T];
        targets.AsSpan().Fill(CrossEntropy.IgnoreIndex);
        int col = 0;
        for (int d = 0; d < docs.Count; d++)
        {
            for (int j = 0; j < s_lengths[d]; j++)
            {
                (inputs[col + j], targets[col + j], positions[col + j], w[col + j]) = (docs[d].Inputs[j], docs[d].Targets[j], j, weights[d][j]);
            }
            col += s_lengths[d];
        }
        for (int j = col; j < T; j++)
        {
            (inputs[j], positions[j]) = (1, j - col == 0 ? 0 : positions[j - 1] + 1);
        }

        using var packed = new TrainingGraph(model, 1, T, compute, forwardOnly);
        packed.Forward(inputs, targets, forBackward: !forwardOnly, positions);
        float[] packedLosses = [.. packed.Losses];
        float[] packedGrads = [];
        if (!forwardOnly)
        {
            packed.ZeroGrad();
            packed.Backward(w);
            packedGrads = new ReadOnlySpan<float>(packed.Grads.Ptr, (int)packed.Grads.Length).ToArray();
        }

        var aloneGrads = new double[model.Layout.TotalLength];
        col = 0;
        for (int d = 0; d < docs.Count; d++)
        {
            int len = s_lengths[d];
            using var alone = new TrainingGraph(model, 1, len, compute, forwardOnly);
            alone.Forward(docs[d].Inputs, docs[d].Targets, forBackward: !forwardOnly);
            for (int j = 0; j < len; j++)
            {
                Assert.Equal(alone.Losses[j], packedLosses[col + j], 1e-5f);
            }
            if (!forwardOnly)
            {
                alone.ZeroGrad();
                alone.Backward(weights[d]);
                for (long i = 0; i < aloneGrads.Length; i++)
                {
                    aloneGrads[i] += alone.Grads.Ptr[i];
                }
            }
            col += len;
        }
        for (long i = 0; i < packedGrads.Length; i++)
        {
            Assert.True(Math.Abs(packedGrads[i] - aloneGrads[i]) <= 1e-5 + 1e-4 * Math.Abs(aloneGrads[i]), $"grad {i}: packed {packedGrads[i]} vs alone {aloneGrads[i]}");
        }
        // Without positions the later documents see the earlier ones: the losses differ (the test can fail).
        using var unpacked = new TrainingGraph(model, 1, T, compute, forwardOnly: true);
        unpacked.Forward(inputs, targets, forBackward: false);
        Assert.NotEqual(packedLosses[s_lengths[0] + 2], unpacked.Losses[s_lengths[0] + 2], 1e-4f);
    }

    [Fact]
    public void Positions_ThatDoNotRestartOrCount_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => TrainingGraph.CheckPositions([1, 2, 3], 1, 3));
        Assert.Throws<ArgumentException>(() => TrainingGraph.CheckPositions([0, 1, 3], 1, 3));
        Assert.Throws<ArgumentException>(() => TrainingGraph.CheckPositions([0, 1, 2, 3], 2, 2));
        TrainingGraph.CheckPositions([0, 1, 0, 0, 1, 0], 2, 3);
    }

    private static int[] Rand(Rng rng, int n, int vocab) => Enumerable.Range(0, n).Select(_ => rng.NextInt(vocab)).ToArray();
}
