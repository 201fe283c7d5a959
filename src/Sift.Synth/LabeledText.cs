using System.Text;

namespace Sift.Synth;

/// <summary>A run of characters with one provenance: [Start, End) in the text.</summary>
public readonly record struct LabelSpan(int Start, int End, Provenance Label);

/// <summary>
/// Text built piece by piece where every character carries a provenance label. Adjacent pieces with the
/// same label merge into one span, so the spans tile the text exactly, in order.
/// Synthetic text is ASCII by construction (labels map to characters 1:1 and tokens decode piecewise); a
/// non-ASCII character is a bug in a generator and throws.
/// </summary>
public sealed class LabeledText
{
    private readonly StringBuilder _sb = new();
    private readonly List<LabelSpan> _spans = [];

    /// <summary>Characters so far.</summary>
    public int Length => _sb.Length;

    /// <summary>The spans so far (tiling [0, Length)).</summary>
    public IReadOnlyList<LabelSpan> Spans => _spans;

    /// <summary>Appends <paramref name="text"/> with <paramref name="label"/>.</summary>
    public LabeledText Append(string text, Provenance label)
    {
        if (text.Length == 0)
        {
            return this;
        }
        foreach (char c in text)
        {
            if (c > 127)
            {
                throw new InvalidOperationException($"synthetic text must be ASCII; got U+{(int)c:X4} in \"{text}\"");
            }
        }
        int start = _sb.Length;
        _sb.Append(text);
        if (_spans.Count > 0 && _spans[^1].Label == label && _spans[^1].End == start)
        {
            _spans[^1] = _spans[^1] with { End = _sb.Length };
        }
        else
        {
            _spans.Add(new LabelSpan(start, _sb.Length, label));
        }
        return this;
    }

    /// <summary>Appends another labelled text, keeping its labels.</summary>
    public LabeledText Append(LabeledText other)
    {
        string s = other.ToString();
        foreach (var sp in other._spans)
        {
            Append(s[sp.Start..sp.End], sp.Label);
        }
        return this;
    }

    /// <summary>Characters per label.</summary>
    public Dictionary<Provenance, long> CharsByLabel()
    {
        var d = new Dictionary<Provenance, long>();
        foreach (var s in _spans)
        {
            d[s.Label] = d.GetValueOrDefault(s.Label) + (s.End - s.Start);
        }
        return d;
    }

    /// <summary>The text.</summary>
    public override string ToString() => _sb.ToString();
}
