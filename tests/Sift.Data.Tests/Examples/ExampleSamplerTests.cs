using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data.Examples;

namespace Sift.Data.Tests.Examples;

public sealed class ExampleSamplerTests
{
    private static readonly ByteTokenizer Tok = new();

    private sealed class Buffers(int rows, int T)
    {
        public int[] Inputs = new int[rows * T], Targets = new int[rows * T], Positions = new int[rows * T], AuxIn = new int[rows * T], AuxTg = new int[rows * T];
        public ExampleRow[] Rows = new ExampleRow[rows], AuxRows = new ExampleRow[rows];

        public ExampleBatchSpans Spans => new()
        {
            Inputs = Inputs,
            Targets = Targets,
            Positions = Positions,
            Rows = Rows,
            AuxInputs = AuxIn,
            AuxTargets = AuxTg,
            AuxRows = AuxRows,
        };
    }

    private static ExampleSet Pack(ExampleKind kind, params JsonObject[] lines)
    {
        string dir = Directory.CreateTempSubdirectory("sift-sampler").FullName;
        string input = ExamplePackerTests.Write(dir, "in.jsonl", lines);
        new ExamplePacker(Tok, new ExamplePackOptions { Kind = kind }).Pack([input], Path.Combine(dir, "out"));
        return ExampleSet.Open(Path.Combine(dir, "out"));
    }

    [Fact]
    public void Rows_HoldOneDocumentFromPositionZero_PromptAndPaddingIgnored()
    {
        using var set = Pack(ExampleKind.Sft,
            new JsonObject { ["prompt"] = "ab", ["completion"] = "c" },
            new JsonObject { ["prompt"] = "d", ["completion"] = "efg" });
        const int T = 6;
        var s = new ExampleSampler(set, T, seed: 3);
        var b = new Buffers(2, T);
        s.NextBatch(2, b.Spans);
        var byExample = b.Rows.Select((r, i) => (r, i)).ToDictionary(x => x.r.Example, x => x.i);
        int r0 = byExample[0] * T;
        // "abc<eos>": inputs a b c, targets: b (prompt, ignored) c <eos>.
        Assert.Equal(new[] { 'a', 'b', 'c' }.Select(c => (int)c), b.Inputs.AsSpan(r0, 3).ToArray());
        Assert.Equal([-1, 'c', 256, -1, -1, -1], b.Targets.AsSpan(r0, T).ToArray());
        Assert.Equal([0, 1, 2, 3, 4, 5], b.Positions.AsSpan(r0, T).ToArray());
        Assert.Equal(4, b.Rows[byExample[0]].Length);
        int r1 = byExample[1] * T;
        Assert.Equal(['e', 'f', 'g', 256, -1, -1], b.Targets.AsSpan(r1, T).ToArray());
        Assert.Equal(ExampleSampler.IgnoreTarget, -1);

        var ex = Assert.Throws<SiftException>(() => new ExampleSampler(set, 3, 1));
        Assert.Contains("train.seq_len ≥ 4", ex.Message);
    }

    [Fact]
    public void Pairs_AreAdjacentRows_KtoKlDocumentsAreAuxRows()
    {
        using (var set = Pack(ExampleKind.Pairs,
            new JsonObject { ["prompt"] = "p", ["chosen"] = "1", ["rejected"] = "22" },
            new JsonObject { ["prompt"] = "q", ["chosen"] = "3", ["rejected"] = "4" }))
        {
            var s = new ExampleSampler(set, 8, seed: 1);
            var b = new Buffers(4, 8);
            s.NextBatch(4, b.Spans);
            for (int r = 0; r < 4; r += 2)
            {
                Assert.Equal(b.Rows[r].Example, b.Rows[r + 1].Example);
                Assert.Equal((0, 1), (b.Rows[r].Slot, b.Rows[r + 1].Slot));
            }
            Assert.Equal([0L, 1L], b.Rows.Where(r => r.Slot == 0).Select(r => r.Example).Order());
            Assert.Throws<SiftException>(() => s.NextBatch(3, b.Spans));
        }
        using (var set = Pack(ExampleKind.Kto,
            new JsonObject { ["prompt"] = "p", ["completion"] = "1", ["label"] = true },
            new JsonObject { ["prompt"] = "q", ["completion"] = "22", ["label"] = false }))
        {
            var s = new ExampleSampler(set, 8, seed: 1);
            var b = new Buffers(2, 8);
            s.NextBatch(2, b.Spans);
            for (int r = 0; r < 2; r++)
            {
                Assert.Equal(b.Rows[r].Example, b.AuxRows[r].Example);
                Assert.Equal(1, b.AuxRows[r].Slot);
                Assert.Equal(b.Rows[r].Example == 0 ? 1 : 0, b.Rows[r].Label);
            }
            int kl = Array.FindIndex(b.AuxRows, r => r.Example == 0) * 8;
            Assert.Equal(['p', '2', '2'], b.AuxIn.AsSpan(kl, 3).ToArray()); // "p" + the next completion "22"
        }
    }

    [Fact]
    public void EveryEpoch_VisitsEachExampleOnce_AndTheCursorRestoresExactly()
    {
        var lines = Enumerable.Range(0, 10).Select(i => new JsonObject { ["prompt"] = $"{i}", ["completion"] = "x" }).ToArray();
        using var set = Pack(ExampleKind.Sft, lines);
        var s = new ExampleSampler(set, 4, seed: 9, WindowSplit.EveryKth(5, SplitPart.Train));
        Assert.Equal(8, s.ExampleCount);
        var b = new Buffers(2, 4);
        var seen = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            s.NextBatch(2, b.Spans);
            seen.AddRange(b.Rows.Select(r => r.Example));
        }
        Assert.Equal([0L, 1, 2, 3, 5, 6, 7, 8], seen.Order()); // 4 and 9 are held out
        var cursor = SamplerCursor.FromJson(s.Cursor.ToJson());
        s.NextBatch(2, b.Spans);
        long[] next = b.Rows.Select(r => r.Example).ToArray();
        var t = new ExampleSampler(set, 4, seed: 9, WindowSplit.EveryKth(5, SplitPart.Train));
        t.Restore(cursor);
        t.NextBatch(2, b.Spans);
        Assert.Equal(next, b.Rows.Select(r => r.Example).ToArray());
    }

    [Fact]
    public void Packing_FillsRowsWithWholeDocuments_PositionsRestartPerDocument()
    {
        var lines = Enumerable.Range(0, 6).Select(i => new JsonObject { ["prompt"] = "p", ["completion"] = new string('c', i % 3 + 1) }).ToArray();
        using var set = Pack(ExampleKind.Sft, lines);
        const int T = 8;
        var s = new ExampleSampler(set, T, seed: 2, pack: true);
        var b = new Buffers(2, T);
        s.NextBatch(2, b.Spans);
        // Every row is a sequence of documents; a document of n tokens takes n − 1 positions numbered 0 .. n − 2.
        int placed = 0;
        for (int r = 0; r < 2; r++)
        {
            var pos = b.Positions.AsSpan(r * T, T);
            var inp = b.Inputs.AsSpan(r * T, T);
            int col = 0;
            while (col < T && inp[col] == 'p')
            {
                Assert.Equal(0, pos[col]);
                int len = 1;
                while (col + len < T && inp[col + len] == 'c')
                {
                    Assert.Equal(len, pos[col + len]);
                    len++;
                }
                col += len;
                placed++;
            }
        }
        Assert.True(placed >= 3, $"{placed} documents in two rows of {T}");
        // Padding after a row's last document restarts at 0 too: every position is 0 or the previous + 1 (the engine's rule).
        for (int i = 0; i < 2 * T; i++)
        {
            Assert.True(b.Positions[i] == 0 || (i % T != 0 && b.Positions[i] == b.Positions[i - 1] + 1), $"position {i} = {b.Positions[i]}");
        }
        Assert.Equal(placed, s.Cursor.Position);
        Assert.Throws<SiftException>(() => new ExampleSampler(Pack(ExampleKind.Pairs, new JsonObject { ["prompt"] = "p", ["chosen"] = "a", ["rejected"] = "b" }), 8, 1, pack: true));
    }
}
