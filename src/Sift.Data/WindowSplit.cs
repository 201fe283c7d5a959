using Sift.Core;

namespace Sift.Data;

/// <summary>Which side of a train/validation split a sampler reads.</summary>
public enum SplitPart
{
    /// <summary>The training windows.</summary>
    Train,

    /// <summary>The held-out windows.</summary>
    Validation,
}

/// <summary>
/// A deterministic train/validation split by window index: either every k-th window
/// (i % k == k-1) or the last N windows are held out. Maps a split-local index to a global window index.
/// </summary>
public sealed record WindowSplit
{
    private enum Kind
    {
        All,
        EveryKth,
        LastN,
    }

    private readonly Kind _kind;
    private readonly long _n;

    private WindowSplit(Kind kind, long n, SplitPart part)
    {
        _kind = kind;
        _n = n;
        Part = part;
    }

    /// <summary>The part this split selects.</summary>
    public SplitPart Part { get; }

    /// <summary>Every window.</summary>
    public static WindowSplit All { get; } = new(Kind.All, 0, SplitPart.Train);

    /// <summary>Holds out windows with i % k == k - 1 (k ≥ 2).</summary>
    public static WindowSplit EveryKth(long k, SplitPart part)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        return new(Kind.EveryKth, k, part);
    }

    /// <summary>Holds out the last <paramref name="n"/> windows.</summary>
    public static WindowSplit LastN(long n, SplitPart part)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return new(Kind.LastN, n, part);
    }

    /// <summary>Windows of this part when the stream has <paramref name="total"/> windows.</summary>
    public long Count(long total) => _kind switch
    {
        Kind.All => total,
        Kind.EveryKth => Part == SplitPart.Validation ? total / _n : total - (total / _n),
        _ => Part == SplitPart.Validation ? Math.Min(_n, total) : Math.Max(0, total - _n),
    };

    /// <summary>Global window index of split-local window <paramref name="local"/>.</summary>
    public long ToGlobal(long local, long total) => _kind switch
    {
        Kind.All => local,
        Kind.EveryKth => Part == SplitPart.Validation
            ? (local * _n) + _n - 1
            : ((local / (_n - 1)) * _n) + (local % (_n - 1)),
        _ => Part == SplitPart.Validation ? Math.Max(0, total - _n) + local : local,
    };

    /// <summary>Stable text form ("all", "every-10:validation", "last-500:train"), stored in cursors.</summary>
    public override string ToString() => _kind switch
    {
        Kind.All => "all",
        Kind.EveryKth => $"every-{_n}:{Part.ToString().ToLowerInvariant()}",
        _ => $"last-{_n}:{Part.ToString().ToLowerInvariant()}",
    };

    /// <summary>Parses <see cref="ToString"/>'s form.</summary>
    public static WindowSplit Parse(string text)
    {
        if (text == "all")
        {
            return All;
        }
        string[] parts = text.Split(':');
        if (parts.Length == 2)
        {
            SplitPart? part = parts[1] switch { "train" => SplitPart.Train, "validation" => SplitPart.Validation, _ => null };
            string[] head = parts[0].Split('-');
            if (part is SplitPart p && head.Length == 2 && long.TryParse(head[1], out long n))
            {
                if (head[0] == "every" && n >= 2)
                {
                    return EveryKth(n, p);
                }
                if (head[0] == "last" && n >= 0)
                {
                    return LastN(n, p);
                }
            }
        }
        throw new SiftException($"split \"{text}\": expected \"all\", \"every-K:train|validation\" or \"last-N:train|validation\"");
    }
}
