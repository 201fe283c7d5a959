using Sift.Core.Random;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Engine.Tests.Model;

namespace Sift.Engine.Tests.Inference;

/// <summary>Several sequences packed into each forward call of the KV-cache session give what each gives run alone.</summary>
public sealed class BatchedPrefillTests
{
    [Theory]
    [InlineData(false, 3, 8)]   // fewer slots than sequences, sequences longer than a call's rows
    [InlineData(true, 8, 64)]   // every sequence in flight at once
    [InlineData(false, 1, 5)]   // one slot: one sequence at a time, in chunks
    public void PrefillHiddenMany_EqualsAFullForwardOfEachSequence(bool tied, int slots, int maxRows)
    {
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(tied, 4, 2) with { MaxPositionEmbeddings = 32 });
        model.InitRandom(21, std: 0.3f);
        int V = model.Config.VocabSize;
        var rng = new Rng(3);
        int[] lengths = [1, 9, 3, 20, 7, 12, 2, 32, 5];
        var sequences = lengths.Select(n => Enumerable.Range(0, n).Select(_ => rng.NextInt(V)).ToArray()).ToList();

        // Brute force: each sequence alone through the training graph's forward (its own attention code).
        var expected = sequences.Select(t =>
        {
            using var graph = new TrainingGraph(model, 1, t.Length, Compute.Reference, forwardOnly: true);
            graph.ForwardHead(t, forBackward: false);
            return graph.HeadOutputs.ToArray();
        }).ToList();

        using var session = new InferenceSession(model, slots, 32, Compute.Reference, maxRows);
        var seen = new int[sequences.Count];
        var done = new List<int>();
        session.PrefillHiddenMany(sequences, (s, i, hidden) =>
        {
            Assert.DoesNotContain(s, done);
            Assert.Equal(seen[s]++, i); // each sequence's rows in order
            for (int v = 0; v < V; v++)
            {
                Assert.Equal(expected[s][i * V + v], session.TokenLogit(hidden, v), 1e-4);
            }
        }, s =>
        {
            Assert.Equal(sequences[s].Length, seen[s]);
            done.Add(s);
        });
        Assert.Equal(Enumerable.Range(0, sequences.Count), done.Order());
        Assert.Equal(lengths, seen);
    }

    [Fact]
    public void PrefillHiddenMany_EqualsPrefillHiddenOfEachAlone()
    {
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(false, 4, 2) with { MaxPositionEmbeddings = 32 });
        model.InitRandom(5, std: 0.3f);
        var rng = new Rng(8);
        var sequences = new[] { 17, 4, 25, 11 }.Select(n => Enumerable.Range(0, n).Select(_ => rng.NextInt(model.Config.VocabSize)).ToArray()).ToList();
        using var alone = new InferenceSession(model, 1, 32, Compute.Reference, maxRows: 32);
        var expected = sequences.Select(t =>
        {
            var rows = new List<float[]>();
            alone.Reset(0);
            alone.PrefillHidden(0, t, (_, h) => rows.Add(h.ToArray()));
            return rows;
        }).ToList();
        using var packed = new InferenceSession(model, 2, 32, Compute.Reference, maxRows: 6);
        int count = 0;
        packed.PrefillHiddenMany(sequences, (s, i, hidden) =>
        {
            Assert.Equal(expected[s][i], hidden.ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
            count++;
        });
        Assert.Equal(sequences.Sum(t => t.Length), count);
    }

    [Fact]
    public void PrefillHiddenMany_RejectsEmptyAndOverlongSequences()
    {
        using var model = new LlamaModel(ModelGradientTests.TinyConfig(false) with { MaxPositionEmbeddings = 8 });
        using var session = new InferenceSession(model, 2, 8, Compute.Reference, maxRows: 4);
        var e = Assert.Throws<ArgumentException>(() => session.PrefillHiddenMany([[1, 2], []], (_, _, _) => { }));
        Assert.Contains("sequence 1 has 0 tokens", e.Message);
        e = Assert.Throws<ArgumentException>(() => session.PrefillHiddenMany([new int[9]], (_, _, _) => { }));
        Assert.Contains("sequence 0 has 9 tokens; expected 1 to 8", e.Message);
    }
}
