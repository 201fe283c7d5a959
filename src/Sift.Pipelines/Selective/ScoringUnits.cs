using Sift.Data;

namespace Sift.Pipelines.Selective;

/// <summary>
/// How a scoring job cuts the token stream into units, each scored from position 0: stride-T windows (the SLM
/// student's windows) or whole documents (the rows of example training). Values tile the stream: unit u writes the
/// stream positions [ValueStart(u), ValueStart(u + 1)), so a part's byte offset after k units is known without reading.
/// </summary>
internal sealed class ScoringUnits
{
    private readonly Func<long, (long Start, int Length)> _tokens;
    private readonly Func<long, long> _valueStart;
    private readonly Func<long, bool> _leadingZero;

    private ScoringUnits(string layout, string name, long count, int seqLen, Func<long, (long, int)> tokens, Func<long, long> valueStart, Func<long, bool> leadingZero)
    {
        Layout = layout;
        Name = name;
        Count = count;
        SeqLen = seqLen;
        _tokens = tokens;
        _valueStart = valueStart;
        _leadingZero = leadingZero;
    }

    /// <summary>"windows" or "documents" (recorded in scores.json).</summary>
    public string Layout { get; }

    /// <summary>What a unit is called in messages.</summary>
    public string Name { get; }

    /// <summary>Units in the stream.</summary>
    public long Count { get; }

    /// <summary>Most targets in one unit (the scorer's window).</summary>
    public int SeqLen { get; }

    /// <summary>Stride-T windows: window w reads tokens [wT, wT + len] and scores its len ≤ T targets; value 0 is the stream's first token.</summary>
    public static ScoringUnits Windows(long totalTokens, int seqLen)
    {
        long T = Math.Max(1, seqLen);
        long count = (totalTokens - 1 + T - 1) / T; // includes a final partial window
        return new ScoringUnits("windows", "window", count, seqLen,
            w => (w * T, (int)Math.Min(T, totalTokens - 1 - (w * T)) + 1),
            w => w == 0 ? 0 : (w * T) + 1,
            w => w == 0);
    }

    /// <summary>Whole documents: document d reads its n tokens and writes 0 followed by its n − 1 losses.</summary>
    public static ScoringUnits Documents(TokenDataset ds)
    {
        long longest = 0;
        for (long d = 0; d < ds.DocumentCount; d++)
        {
            longest = Math.Max(longest, ds.Document(d).Length);
        }
        return new ScoringUnits("documents", "document", ds.DocumentCount, (int)Math.Max(1, longest - 1),
            d => { var (s, n) = ds.Document(d); return (s, (int)n); },
            d => d < ds.DocumentCount ? ds.DocumentStart(d) : ds.TotalTokens,
            _ => true);
    }

    /// <summary>Token range unit <paramref name="u"/> reads.</summary>
    public (long Start, int Length) Tokens(long u) => _tokens(u);

    /// <summary>First stream position unit <paramref name="u"/> writes a value for (u = Count: the end).</summary>
    public long ValueStart(long u) => _valueStart(u);

    /// <summary>True when unit <paramref name="u"/> writes a 0 before its losses.</summary>
    public bool LeadingZero(long u) => _leadingZero(u);
}
