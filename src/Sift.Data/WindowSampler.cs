using Sift.Core;

namespace Sift.Data;

/// <summary>
/// Serves fixed-length training windows from a token stream. Window i covers tokens
/// [i·T, i·T + T] (T+1 tokens: inputs are the first T, targets the last T); windows are
/// non-overlapping with stride T and a trailing partial window is dropped. Each epoch visits every
/// window of the split exactly once, in a Fisher–Yates shuffle seeded by (seed + epoch).
/// </summary>
public sealed class WindowSampler
{
    private readonly ITokenSource _source;
    private readonly WindowSplit _split;
    private readonly long _totalWindows;
    private readonly int[] _order;   // split-local window indices in this epoch's order
    private readonly int[] _scratch; // one window: T+1 tokens
    private long _epoch;
    private long _position;

    /// <summary>Creates a sampler over <paramref name="source"/> at epoch 0, position 0.</summary>
    public WindowSampler(ITokenSource source, int windowLength, ulong seed, WindowSplit? split = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        _source = source;
        _split = split ?? WindowSplit.All;
        WindowLength = windowLength;
        Seed = seed;
        _totalWindows = source.TotalTokens > windowLength ? (source.TotalTokens - 1) / windowLength : 0;
        WindowCount = _split.Count(_totalWindows);
        if (WindowCount == 0)
        {
            throw new SiftException($"the token stream ({source.TotalTokens} tokens) has no window of {windowLength + 1} tokens in split {_split}");
        }
        if (WindowCount > int.MaxValue)
        {
            throw new SiftException($"{WindowCount} windows exceed the sampler's limit of {int.MaxValue}; use a longer window");
        }
        _order = new int[WindowCount];
        _scratch = new int[windowLength + 1];
        Shuffle();
    }

    /// <summary>Window length T (each window reads T+1 tokens).</summary>
    public int WindowLength { get; }

    /// <summary>Shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>Windows per epoch in this split.</summary>
    public long WindowCount { get; }

    /// <summary>Current epoch.</summary>
    public long Epoch => _epoch;

    /// <summary>The current position, to save with a checkpoint.</summary>
    public SamplerCursor Cursor => new()
    {
        Epoch = _epoch,
        Position = _position,
        Seed = Seed,
        WindowLength = WindowLength,
        WindowCount = WindowCount,
        Split = _split.ToString(),
    };

    /// <summary>Continues from <paramref name="cursor"/>; the following batches equal those the saved sampler would have produced.</summary>
    public void Restore(SamplerCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.Seed != Seed || cursor.WindowLength != WindowLength || cursor.WindowCount != WindowCount || cursor.Split != _split.ToString())
        {
            throw new SiftException(
                $"sampler cursor is for seed {cursor.Seed}, T={cursor.WindowLength}, {cursor.WindowCount} windows, split {cursor.Split}; " +
                $"this sampler has seed {Seed}, T={WindowLength}, {WindowCount} windows, split {_split}");
        }
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position > WindowCount)
        {
            throw new SiftException($"sampler cursor epoch {cursor.Epoch} position {cursor.Position} is outside 0 .. {WindowCount}");
        }
        _epoch = cursor.Epoch;
        _position = cursor.Position;
        Shuffle();
    }

    /// <summary>
    /// Fills the next <paramref name="batchSize"/> windows (crossing into the next epoch when needed):
    /// <paramref name="inputs"/> and <paramref name="targets"/> are [batchSize × T] row-major;
    /// <paramref name="windowStarts"/>, when not empty, receives each window's global token offset
    /// (inputs[b, t] is token windowStarts[b] + t; targets[b, t] is token windowStarts[b] + t + 1).
    /// Allocates nothing.
    /// </summary>
    public void NextBatch(int batchSize, Span<int> inputs, Span<int> targets, Span<long> windowStarts = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int t = WindowLength;
        long need = (long)batchSize * t;
        if (inputs.Length < need || targets.Length < need)
        {
            throw new ArgumentException($"inputs and targets need {need} ints (batch {batchSize} × T {t})");
        }
        if (!windowStarts.IsEmpty && windowStarts.Length < batchSize)
        {
            throw new ArgumentException($"windowStarts needs {batchSize} entries", nameof(windowStarts));
        }
        for (int b = 0; b < batchSize; b++)
        {
            if (_position == WindowCount)
            {
                _epoch++;
                _position = 0;
                Shuffle();
            }
            long start = WindowStart(_order[_position++]);
            _source.ReadTokens(start, _scratch);
            _scratch.AsSpan(0, t).CopyTo(inputs.Slice(b * t, t));
            _scratch.AsSpan(1, t).CopyTo(targets.Slice(b * t, t));
            if (!windowStarts.IsEmpty)
            {
                windowStarts[b] = start;
            }
        }
    }

    /// <summary>Global token offset of split-local window <paramref name="window"/> (unshuffled order).</summary>
    public long WindowStart(long window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(window, WindowCount);
        return _split.ToGlobal(window, _totalWindows) * WindowLength;
    }

    /// <summary>Reads split-local window <paramref name="window"/> in unshuffled order (for sequential validation passes).</summary>
    public void ReadWindow(long window, Span<int> inputs, Span<int> targets)
    {
        int t = WindowLength;
        _source.ReadTokens(WindowStart(window), _scratch);
        _scratch.AsSpan(0, t).CopyTo(inputs[..t]);
        _scratch.AsSpan(1, t).CopyTo(targets[..t]);
    }

    /// <summary>Refills <see cref="_order"/> with the Fisher–Yates permutation for the current epoch.</summary>
    private void Shuffle() => EpochShuffle.Fill(_order, Seed, _epoch);
}
