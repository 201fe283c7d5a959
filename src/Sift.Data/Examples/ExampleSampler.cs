using Sift.Core;

namespace Sift.Data.Examples;

/// <summary>What one row of an example batch holds (for objectives that weigh whole sequences).</summary>
/// <param name="Example">Global example index, or −1 for a padding row or a packed row.</param>
/// <param name="Slot">Which document of the example: pairs 0 chosen, 1 rejected; kto 0 the example, 1 its KL document.</param>
/// <param name="Start">Stream offset of the document (its targets' side values start at Start + 1).</param>
/// <param name="Length">Tokens of the document; the row's targets are columns 0 .. Length − 2.</param>
/// <param name="Label">KTO: 1 desirable, 0 undesirable; −1 otherwise.</param>
public readonly record struct ExampleRow(long Example, int Slot, long Start, int Length, int Label)
{
    /// <summary>A row with no document.</summary>
    public static ExampleRow Padding => new(-1, 0, 0, 0, -1);
}

/// <summary>Destination spans of one micro-batch of example rows (each [rows × T] unless noted).</summary>
public ref struct ExampleBatchSpans
{
    /// <summary>Input ids.</summary>
    public Span<int> Inputs;

    /// <summary>Target ids; <see cref="ExampleSampler.IgnoreTarget"/> for prompt tokens and padding.</summary>
    public Span<int> Targets;

    /// <summary>Position id of every input (restarting at 0 at each document of a packed row).</summary>
    public Span<int> Positions;

    /// <summary>Per row [rows].</summary>
    public Span<ExampleRow> Rows;

    /// <summary>KTO: the KL documents' inputs [rows × T] (scored without gradient).</summary>
    public Span<int> AuxInputs;

    /// <summary>KTO: the KL documents' targets.</summary>
    public Span<int> AuxTargets;

    /// <summary>KTO: per KL row [rows].</summary>
    public Span<ExampleRow> AuxRows;
}

/// <summary>
/// Serves micro-batches of whole examples: each document starts a row at position 0 and its targets are the next
/// tokens where the loss mask is 1 (prompt tokens and padding are ignored), so a document's per-token losses equal
/// those of the document run alone. Pairs put chosen and rejected in adjacent rows of the same micro-batch; KTO puts
/// each example's KL document in the matching auxiliary row. With packing (sft only) a row holds as many whole
/// documents as fit, each with positions restarting at 0 (the engine keeps attention inside each document).
/// prm and orm rows target the label id (positive or negative, from the mask's label code) at each read position and
/// nothing else, so the next-token loss there is the label token's cross-entropy.
/// Each epoch visits every example of the split once in a seeded Fisher–Yates order; the cursor restores exactly.
/// </summary>
public sealed class ExampleSampler
{
    /// <summary>Target id of positions with no loss (equals the engine's CrossEntropy.IgnoreIndex).</summary>
    public const int IgnoreTarget = -1;

    private readonly ExampleSet _set;
    private readonly WindowSplit _split;
    private readonly int[] _order;
    private readonly int[] _tokens;
    private readonly byte[] _mask;
    private readonly int _pad;
    private readonly int _positiveId, _negativeId;
    private long _epoch, _position;

    /// <summary>Creates a sampler over <paramref name="set"/> for rows of <paramref name="seqLen"/> positions.</summary>
    public ExampleSampler(ExampleSet set, int seqLen, ulong seed, WindowSplit? split = null, bool pack = false)
    {
        ArgumentNullException.ThrowIfNull(set);
        _set = set;
        _split = split ?? WindowSplit.All;
        SeqLen = seqLen;
        Seed = seed;
        Packed = pack;
        if (pack && set.Kind != ExampleKind.Sft)
        {
            throw new SiftException($"{set.Folder}: packing applies to sft examples; {set.Kind.Name()} examples keep one document per row");
        }
        if (set.Manifest.LongestDocument - 1 > seqLen)
        {
            throw new SiftException($"{set.Folder}: the longest document has {set.Manifest.LongestDocument} tokens, so rows need train.seq_len ≥ {set.Manifest.LongestDocument - 1} (it is {seqLen}); raise train.seq_len or re-pack with a smaller --max-length");
        }
        ExampleCount = _split.Count(set.Count);
        if (ExampleCount == 0)
        {
            throw new SiftException($"{set.Folder}: no example in split {_split} ({set.Count} examples)");
        }
        _order = new int[checked((int)ExampleCount)];
        _tokens = new int[seqLen + 1];
        _mask = new byte[seqLen + 1];
        _pad = set.Tokens.EosId ?? 0;
        if (set.Kind.IsStepLabelled())
        {
            (_positiveId, _negativeId) = (set.Manifest.LabelIds![0], set.Manifest.LabelIds[1]);
        }
        Shuffle();
    }

    /// <summary>Positions per row.</summary>
    public int SeqLen { get; }

    /// <summary>Shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>True when rows hold several documents.</summary>
    public bool Packed { get; }

    /// <summary>The examples' kind.</summary>
    public ExampleKind Kind => _set.Kind;

    /// <summary>Examples per epoch in this split.</summary>
    public long ExampleCount { get; }

    /// <summary>Rows one example takes (pairs 2, otherwise 1; packed rows hold several).</summary>
    public int RowsPerExample => Kind == ExampleKind.Pairs ? 2 : 1;

    /// <summary>True when batches carry KL rows (KTO).</summary>
    public bool HasAuxRows => Kind == ExampleKind.Kto;

    /// <summary>The current position, to save with a checkpoint.</summary>
    public SamplerCursor Cursor => new()
    {
        Epoch = _epoch,
        Position = _position,
        Seed = Seed,
        WindowLength = SeqLen,
        WindowCount = ExampleCount,
        Split = "examples:" + _split,
    };

    /// <summary>Continues from <paramref name="cursor"/>.</summary>
    public void Restore(SamplerCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var c = Cursor;
        if (cursor.Seed != c.Seed || cursor.WindowLength != c.WindowLength || cursor.WindowCount != c.WindowCount || cursor.Split != c.Split)
        {
            throw new SiftException($"sampler cursor is for seed {cursor.Seed}, T={cursor.WindowLength}, {cursor.WindowCount} examples, split {cursor.Split}; " +
                $"this sampler has seed {c.Seed}, T={c.WindowLength}, {c.WindowCount} examples, split {c.Split}");
        }
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position > ExampleCount)
        {
            throw new SiftException($"sampler cursor epoch {cursor.Epoch} position {cursor.Position} is outside 0 .. {ExampleCount}");
        }
        _epoch = cursor.Epoch;
        _position = cursor.Position;
        Shuffle();
    }

    /// <summary>Fills the next micro-batch of <paramref name="rows"/> rows in this epoch's order (crossing epochs). Allocates nothing.</summary>
    public void NextBatch(int rows, ExampleBatchSpans dest) => Fill(rows, dest, shuffled: true, 0);

    /// <summary>
    /// Fills a micro-batch from split-local example <paramref name="first"/> on, in unshuffled order (wrapping), for
    /// evaluation; returns how many examples it took.
    /// </summary>
    public int ReadBatch(long first, int rows, ExampleBatchSpans dest) => Fill(rows, dest, shuffled: false, first);

    private int Fill(int rows, ExampleBatchSpans d, bool shuffled, long first)
    {
        int T = SeqLen;
        if (rows % RowsPerExample != 0)
        {
            throw new SiftException($"train.micro_batch {rows}: pairs need an even number of rows (chosen and rejected side by side)");
        }
        if (d.Inputs.Length < rows * T || d.Targets.Length < rows * T || d.Positions.Length < rows * T || d.Rows.Length < rows
            || (HasAuxRows && (d.AuxInputs.Length < rows * T || d.AuxTargets.Length < rows * T || d.AuxRows.Length < rows)))
        {
            throw new ArgumentException($"the batch spans are too small for {rows} rows of {T}");
        }
        d.Inputs[..(rows * T)].Fill(_pad);
        d.Targets[..(rows * T)].Fill(IgnoreTarget);
        d.Rows[..rows].Fill(ExampleRow.Padding);
        for (int i = 0; i < rows * T; i++)
        {
            d.Positions[i] = i % T;
        }
        if (HasAuxRows)
        {
            d.AuxInputs[..(rows * T)].Fill(_pad);
            d.AuxTargets[..(rows * T)].Fill(IgnoreTarget);
            d.AuxRows[..rows].Fill(ExampleRow.Padding);
        }
        int taken = 0;
        long seq = first;
        if (!Packed)
        {
            for (int r = 0; r < rows; r += RowsPerExample)
            {
                long ex = shuffled ? TakeShuffled() : _split.ToGlobal(seq++ % ExampleCount, _set.Count);
                var rec = _set[ex];
                for (int s = 0; s < RowsPerExample; s++)
                {
                    d.Rows[r + s] = Place(ex, s, rec, d.Inputs, d.Targets, r + s, 0);
                }
                if (HasAuxRows)
                {
                    d.AuxRows[r] = Place(ex, 1, rec, d.AuxInputs, d.AuxTargets, r, 0);
                }
                taken++;
            }
            return taken;
        }
        int row = 0, col = 0;
        while (row < rows)
        {
            long ex = shuffled ? PeekShuffled() : _split.ToGlobal(seq % ExampleCount, _set.Count);
            var rec = _set[ex];
            int need = _set.Document(rec.FirstDocument).Length - 1;
            if (col + need > T)
            {
                RestartPadding(d.Positions, row, col);
                row++;
                col = 0;
                continue;
            }
            Place(ex, 0, rec, d.Inputs, d.Targets, row, col);
            for (int j = 0; j < need; j++)
            {
                d.Positions[(row * T) + col + j] = j;
            }
            col += need;
            taken++;
            if (shuffled)
            {
                _position++;
            }
            else
            {
                seq++;
            }
            if (!shuffled && taken >= ExampleCount)
            {
                break;
            }
        }
        if (row < rows)
        {
            RestartPadding(d.Positions, row, col);
        }
        return taken;
    }

    // A packed row's padding after its last document counts from 0 as a document of its own (the engine requires each
    // position to be 0 or the previous + 1), so no document attends to padding and padding carries no loss.
    private void RestartPadding(Span<int> positions, int row, int col)
    {
        for (int j = col; j < SeqLen; j++)
        {
            positions[(row * SeqLen) + j] = j - col;
        }
    }

    // Document `slot` of example `ex` into row `row` from column `col`: inputs tok[0..n−1), targets tok[1..n) where the mask is 1.
    private ExampleRow Place(long ex, int slot, ExampleRecord rec, Span<int> inputs, Span<int> targets, int row, int col)
    {
        var (start, n) = _set.Document(rec.FirstDocument + slot);
        var tok = _tokens.AsSpan(0, n);
        var mask = _mask.AsSpan(0, n);
        _set.Tokens.ReadTokens(start, tok);
        _set.Mask.Read(start, mask);
        int at = (row * SeqLen) + col;
        bool labelled = Kind.IsStepLabelled();
        for (int j = 0; j < n - 1; j++)
        {
            inputs[at + j] = tok[j];
            targets[at + j] = mask[j + 1] == 0 ? IgnoreTarget
                : !labelled ? tok[j + 1]
                : mask[j + 1] == StepLabelCodes.Positive ? _positiveId : _negativeId;
        }
        return new ExampleRow(ex, slot, start, n, rec.Label);
    }

    private long TakeShuffled()
    {
        long ex = PeekShuffled();
        _position++;
        return ex;
    }

    private long PeekShuffled()
    {
        if (_position == ExampleCount)
        {
            _epoch++;
            _position = 0;
            Shuffle();
        }
        return _split.ToGlobal(_order[_position], _set.Count);
    }

    private void Shuffle() => EpochShuffle.Fill(_order, Seed, _epoch);
}
