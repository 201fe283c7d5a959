using FsCheck;
using FsCheck.Fluent;
using Sift.Core;
using Sift.Core.Random;

namespace Sift.Data.Tests;

public sealed class WindowSamplerTests
{
    /// <summary>Token value = its own offset, so every window's content tells where it came from.</summary>
    private static ArrayTokenSource Ramp(int n) => new(Enumerable.Range(0, n).ToArray());

    private static List<long> Starts(WindowSampler s, int batches, int batchSize)
    {
        int t = s.WindowLength;
        var inputs = new int[batchSize * t];
        var targets = new int[batchSize * t];
        var starts = new long[batchSize];
        var all = new List<long>();
        for (int i = 0; i < batches; i++)
        {
            s.NextBatch(batchSize, inputs, targets, starts);
            all.AddRange(starts);
        }
        return all;
    }

    [Fact]
    public void Windows_AreNonOverlappingStrideT_InputsAndTargetsShiftedByOne()
    {
        const int t = 8;
        var sampler = new WindowSampler(Ramp(100), t, seed: 1);
        Assert.Equal(12, sampler.WindowCount); // (100 - 1) / 8: window 11 reads tokens 88..96; 96..99 is partial
        var inputs = new int[3 * t];
        var targets = new int[3 * t];
        var starts = new long[3];
        sampler.NextBatch(3, inputs, targets, starts);
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(0, starts[b] % t);
            for (int i = 0; i < t; i++)
            {
                Assert.Equal(starts[b] + i, inputs[(b * t) + i]);
                Assert.Equal(starts[b] + i + 1, targets[(b * t) + i]);
            }
        }
    }

    [Fact]
    public void EachEpoch_VisitsEveryWindowExactlyOnce_InADifferentOrder()
    {
        const int t = 16;
        var sampler = new WindowSampler(Ramp(16 * 50 + 1), t, seed: 42);
        Assert.Equal(50, sampler.WindowCount);
        var starts = Starts(sampler, batches: 30, batchSize: 5); // 3 epochs
        var epochs = starts.Chunk(50).ToArray();
        var expected = Enumerable.Range(0, 50).Select(i => (long)i * t).ToArray();
        foreach (var e in epochs)
        {
            Assert.Equal(expected, e.Order());
        }
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(expected, epochs[0]);
        Assert.Equal(3, sampler.Epoch + 1);
    }

    [Fact]
    public void SameSeed_SameBatches_DifferentSeed_DifferentOrder()
    {
        var a = Starts(new WindowSampler(Ramp(5000), 10, seed: 7), 20, 8);
        var b = Starts(new WindowSampler(Ramp(5000), 10, seed: 7), 20, 8);
        var c = Starts(new WindowSampler(Ramp(5000), 10, seed: 8), 20, 8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ResumeFromSerialisedCursor_GivesIdenticalSubsequentBatches()
    {
        const int t = 12, batch = 7;
        var source = Ramp(12 * 40 + 5); // 40 windows: batches cross epoch boundaries
        var original = new WindowSampler(source, t, seed: 99);
        Starts(original, batches: 9, batchSize: batch); // 63 windows in: epoch 1, position 23
        string json = original.Cursor.ToJson();
        Assert.Contains("\"epoch\": 1", json);

        var inputsA = new int[batch * t];
        var targetsA = new int[batch * t];
        var inputsB = new int[batch * t];
        var targetsB = new int[batch * t];
        var startsA = new long[batch];
        var startsB = new long[batch];
        var resumed = new WindowSampler(source, t, seed: 99);
        resumed.Restore(SamplerCursor.FromJson(json));
        for (int i = 0; i < 20; i++)
        {
            original.NextBatch(batch, inputsA, targetsA, startsA);
            resumed.NextBatch(batch, inputsB, targetsB, startsB);
            Assert.Equal(startsA, startsB);
            Assert.Equal(inputsA, inputsB);
            Assert.Equal(targetsA, targetsB);
        }
        Assert.Equal(original.Cursor, resumed.Cursor);
    }

    [Fact]
    public void Restore_RefusesACursorFromADifferentSampler()
    {
        var source = Ramp(1000);
        var cursor = new WindowSampler(source, 10, seed: 1).Cursor;
        Assert.Throws<SiftException>(() => new WindowSampler(source, 10, seed: 2).Restore(cursor));
        Assert.Throws<SiftException>(() => new WindowSampler(source, 11, seed: 1).Restore(cursor));
        Assert.Throws<SiftException>(() => new WindowSampler(source, 10, seed: 1, WindowSplit.EveryKth(10, SplitPart.Train)).Restore(cursor));
        Assert.Throws<SiftException>(() => new WindowSampler(source, 10, seed: 1).Restore(cursor with { Position = 1000 }));
        Assert.Throws<SiftException>(() => SamplerCursor.FromJson("{not json"));
    }

    [Fact]
    public void Splits_PartitionTheWindows()
    {
        var source = Ramp(10 * 103 + 1); // 103 windows
        foreach (var (train, val) in new[]
        {
            (WindowSplit.EveryKth(10, SplitPart.Train), WindowSplit.EveryKth(10, SplitPart.Validation)),
            (WindowSplit.LastN(17, SplitPart.Train), WindowSplit.LastN(17, SplitPart.Validation)),
        })
        {
            var tr = new WindowSampler(source, 10, 5, train);
            var va = new WindowSampler(source, 10, 5, val);
            Assert.Equal(103, tr.WindowCount + va.WindowCount);
            var trainStarts = Starts(tr, 1, (int)tr.WindowCount);
            var valStarts = Enumerable.Range(0, (int)va.WindowCount).Select(i => va.WindowStart(i)).ToList();
            Assert.Equal(Enumerable.Range(0, 103).Select(i => i * 10L), trainStarts.Concat(valStarts).Order());
            Assert.Equal(WindowSplit.Parse(train.ToString()), train);
            Assert.Equal(WindowSplit.Parse(val.ToString()), val);
        }
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal((i * 10L + 9) * 10, new WindowSampler(source, 10, 5, WindowSplit.EveryKth(10, SplitPart.Validation)).WindowStart(i)));

        var v = new WindowSampler(source, 10, 5, WindowSplit.LastN(3, SplitPart.Validation));
        var inp = new int[10];
        var tgt = new int[10];
        v.ReadWindow(2, inp, tgt);
        Assert.Equal(1020, inp[0]);
        Assert.Equal(1030, tgt[^1]);
    }

    [Fact]
    public void Property_WindowCountAndCoverage_ForAnyStreamAndWindowLength()
    {
        Prop.ForAll(
            Gen.Choose(2, 3000).ToArbitrary(),
            Gen.Choose(1, 64).ToArbitrary(),
            (n, t) =>
            {
                long expected = (n - 1) / t;
                if (expected == 0)
                {
                    return true;
                }
                var s = new WindowSampler(Ramp(n), t, (ulong)n * 31);
                var starts = Starts(s, 1, (int)expected);
                return s.WindowCount == expected
                    && starts.Order().SequenceEqual(Enumerable.Range(0, (int)expected).Select(i => (long)i * t))
                    && starts.Max() + t < n;
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void TooShortStream_IsAnError()
    {
        Assert.Throws<SiftException>(() => new WindowSampler(Ramp(10), 10, 1));
        Assert.Equal(1, new WindowSampler(Ramp(11), 10, 1).WindowCount);
    }

    [Fact]
    public void Prng_MatchesPublishedSplitMix64AndIsUnbiasedInRange()
    {
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Rng.SplitMix64(ref state));
        // The shuffle's draws are pinned (saved cursors replay them): xoshiro256** + Lemire, computed independently.
        var pinned = new Rng(123);
        Assert.Equal([196UL, 969, 467, 126, 337, 999, 377, 656], Enumerable.Range(0, 8).Select(_ => pinned.NextBelow(1000)));
        var rng = new Rng(123);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++)
        {
            counts[rng.NextBelow(6)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_000, 11_000));
    }

    [Fact]
    public void OverPackedDataset_BatchesMatchTheStream()
    {
        using var tmp = new TempDir();
        var tok = new ByteTokenizer();
        var docs = TestData.Documents(300, seed: 21);
        new ShardPacker(tok, new PackOptions { MaxShardTokens = 1500 }).Pack([TestData.WriteJsonl(tmp.Sub("a.jsonl"), docs)], tmp.Sub("ds"));
        int[] stream = TestData.ExpectedStream(tok, docs).ToArray();
        using var ds = TokenDataset.Open(tmp.Sub("ds"));
        const int t = 64, batch = 4;
        var sampler = new WindowSampler(ds, t, seed: 3);
        var inputs = new int[batch * t];
        var targets = new int[batch * t];
        var starts = new long[batch];
        for (int i = 0; i < 10; i++)
        {
            sampler.NextBatch(batch, inputs, targets, starts);
            for (int b = 0; b < batch; b++)
            {
                Assert.Equal(stream.AsSpan((int)starts[b], t).ToArray(), inputs.AsSpan(b * t, t).ToArray());
                Assert.Equal(stream.AsSpan((int)starts[b] + 1, t).ToArray(), targets.AsSpan(b * t, t).ToArray());
            }
        }
    }
}
