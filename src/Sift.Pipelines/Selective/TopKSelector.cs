using Sift.Engine.Ops;

namespace Sift.Pipelines.Selective;

/// <summary>Where tokens are ranked against each other: the whole micro-batch (Rho-1's wording) or each window.</summary>
internal enum SelectScope
{
    /// <summary>Rank within the micro-batch.</summary>
    Batch,

    /// <summary>Rank within each window.</summary>
    Sequence,
}

/// <summary>
/// The top-k rule of selective training, used by the training objectives and by `sift analyze`'s replay: among the
/// valid tokens of a group (targets that are not ignored), keep k = round(ratio · valid) (half away from zero, at
/// least 1), highest score first, ties to the earlier position. Buffers grow once; no allocation per call.
/// </summary>
internal sealed class TopKSelector
{
    private float[] _score = [];
    private int[] _idx = [];
    private readonly Comparison<int> _byScore;

    /// <summary>Creates a selector.</summary>
    public TopKSelector()
    {
        // Highest score first; ties to the earlier position (deterministic). One delegate for the selector's life.
        _byScore = (a, b) => _score[b].CompareTo(_score[a]) is int c && c != 0 ? c : a.CompareTo(b);
    }

    /// <summary>Tokens kept out of <paramref name="valid"/> at <paramref name="ratio"/>.</summary>
    public static int KeepCount(double ratio, int valid) => Math.Clamp((int)Math.Round(ratio * valid, MidpointRounding.AwayFromZero), 1, valid);

    /// <summary>The score buffer for <paramref name="n"/> positions, to fill before <see cref="MarkTop"/>.</summary>
    public Span<float> Scores(int n)
    {
        if (_score.Length < n)
        {
            _score = new float[n];
        }
        return _score.AsSpan(0, n);
    }

    /// <summary>
    /// The valid positions of [start, start + len) (targets other than IgnoreIndex; every position when
    /// <paramref name="targets"/> is empty), in order. Valid until the next call.
    /// </summary>
    public Span<int> Candidates(ReadOnlySpan<int> targets, int start, int len)
    {
        if (_idx.Length < len)
        {
            _idx = new int[len]; // only the index buffer: the caller's scores stay where they are
        }
        int valid = 0;
        for (int i = start; i < start + len; i++)
        {
            if (targets.IsEmpty || targets[i] != CrossEntropy.IgnoreIndex)
            {
                _idx[valid++] = i;
            }
        }
        return _idx.AsSpan(0, valid);
    }

    /// <summary>Marks the <paramref name="k"/> best-scoring candidates in <paramref name="keep"/> (reorders the candidates).</summary>
    public void MarkTop(Span<int> candidates, int k, Span<bool> keep)
    {
        candidates.Sort(_byScore);
        foreach (int i in candidates[..k])
        {
            keep[i] = true;
        }
    }

    /// <summary>Candidates, count and top-k in one call; returns k (0 when the group has no valid token).</summary>
    public int SelectTop(ReadOnlySpan<int> targets, int start, int len, double ratio, Span<bool> keep)
    {
        var cand = Candidates(targets, start, len);
        if (cand.Length == 0)
        {
            return 0;
        }
        int k = KeepCount(ratio, cand.Length);
        MarkTop(cand, k, keep);
        return k;
    }
}
