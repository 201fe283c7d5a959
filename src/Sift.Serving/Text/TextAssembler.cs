using System.Text;
using Sift.Text;

namespace Sift.Serving.Text;

/// <summary>
/// Turns a completion's tokens into text as they arrive: incremental detokenization (decode a short window and
/// release only what can no longer change, holding back an incomplete UTF-8 character), and stop strings (the
/// completion ends before the first one; text that could still become one is held back). Streaming and
/// non-streaming responses both run this, so they produce the same text.
/// </summary>
internal sealed class TextAssembler
{
    private readonly ITokenizer? _tok;
    private readonly IReadOnlyList<string> _stops;
    private readonly int _maxStop;
    private readonly List<int> _ids = [];
    private readonly StringBuilder _text = new();
    private int _prefixOffset, _readOffset, _released;

    public TextAssembler(ITokenizer? tokenizer, IReadOnlyList<string> stops)
    {
        _tok = tokenizer;
        _stops = stops;
        _maxStop = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    }

    /// <summary>True once a stop string has appeared; later tokens are ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Tokens taken (up to and including the one that completed a stop string).</summary>
    public int TokenCount => _ids.Count;

    /// <summary>The text released so far.</summary>
    public string Text => _text.ToString(0, _released);

    /// <summary>Adds a token; returns the text that became final (possibly empty).</summary>
    public string Push(int token)
    {
        if (Stopped)
        {
            return "";
        }
        _ids.Add(token);
        if (_tok is null)
        {
            return "";
        }
        string prefix = Decode(_prefixOffset, _readOffset);
        string full = Decode(_prefixOffset, _ids.Count);
        if (full.Length > prefix.Length && !full.EndsWith('\uFFFD') && full.StartsWith(prefix, StringComparison.Ordinal))
        {
            _text.Append(full, prefix.Length, full.Length - prefix.Length);
            _prefixOffset = _readOffset;
            _readOffset = _ids.Count;
        }
        return Release(final: false);
    }

    /// <summary>At the end of generation: decodes what is left and releases everything before any stop string.</summary>
    public string Finish()
    {
        if (Stopped || _tok is null)
        {
            return "";
        }
        if (_readOffset < _ids.Count)
        {
            string prefix = Decode(_prefixOffset, _readOffset);
            string full = Decode(_prefixOffset, _ids.Count);
            if (full.Length > prefix.Length && full.StartsWith(prefix, StringComparison.Ordinal))
            {
                _text.Append(full, prefix.Length, full.Length - prefix.Length);
            }
            _readOffset = _ids.Count;
        }
        return Release(final: true);
    }

    private string Release(bool final)
    {
        if (_maxStop > 0)
        {
            // A stop string can only end in the new text, so start looking maxStop−1 characters before it.
            int from = Math.Max(0, _released - _maxStop + 1);
            string window = _text.ToString(from, _text.Length - from);
            int best = -1;
            foreach (string s in _stops)
            {
                int at = window.IndexOf(s, StringComparison.Ordinal);
                if (at >= 0 && (best < 0 || at < best))
                {
                    best = at;
                }
            }
            if (best >= 0)
            {
                int end = Math.Max(from + best, _released);
                Stopped = true;
                return Take(end);
            }
        }
        int safe = _text.Length;
        if (!final && _maxStop > 0)
        {
            safe -= HeldBack();
        }
        return Take(Math.Max(safe, _released));
    }

    // Length of the longest suffix of the text that is a proper prefix of some stop string.
    private int HeldBack()
    {
        int limit = Math.Min(_maxStop - 1, _text.Length - _released);
        for (int len = limit; len > 0; len--)
        {
            int start = _text.Length - len;
            foreach (string s in _stops)
            {
                if (s.Length > len && Matches(start, s, len))
                {
                    return len;
                }
            }
        }
        return 0;
    }

    private bool Matches(int start, string s, int len)
    {
        for (int i = 0; i < len; i++)
        {
            if (_text[start + i] != s[i])
            {
                return false;
            }
        }
        return true;
    }

    private string Take(int end)
    {
        string piece = _text.ToString(_released, end - _released);
        _released = end;
        return piece;
    }

    private string Decode(int from, int to)
    {
        if (to <= from)
        {
            return "";
        }
        return TokenText.Decode(_tok!, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_ids)[from..to]);
    }
}
