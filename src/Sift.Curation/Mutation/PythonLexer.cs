namespace Sift.Curation.Mutation;

/// <summary>What a span of Python source is, as far as number mutation cares.</summary>
internal enum PySpanKind
{
    /// <summary>A decimal integer or float literal without exponent, prefix or suffix ("16", "2.5", "1_000").</summary>
    Number,

    /// <summary>A string literal of any kind (prefixes, triple quotes).</summary>
    String,

    /// <summary>A comment, '#' to the end of the line.</summary>
    Comment,
}

/// <summary>A span of Python source.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Start">Offset of its first character.</param>
/// <param name="Length">Its length.</param>
/// <param name="TripleQuoted">For strings: whether triple-quoted (a docstring, usually).</param>
internal readonly record struct PySpan(PySpanKind Kind, int Start, int Length, bool TripleQuoted = false);

/// <summary>
/// Finds the numeric literals, strings and comments of Python source, enough to change numbers in code without
/// touching identifiers ("x2"), strings or comments by accident. Hexadecimal, octal, binary, exponent and imaginary
/// literals are skipped (never mutated). Unterminated strings run to the end of the source.
/// </summary>
internal static class PythonLexer
{
    public static List<PySpan> Scan(string code)
    {
        var spans = new List<PySpan>();
        int i = 0, n = code.Length;
        while (i < n)
        {
            char c = code[i];
            if (c == '#')
            {
                int end = code.IndexOf('\n', i);
                end = end < 0 ? n : end;
                spans.Add(new PySpan(PySpanKind.Comment, i, end - i));
                i = end;
            }
            else if (IsStringStart(code, i, out int quoteAt))
            {
                int end = StringEnd(code, quoteAt, out bool triple);
                spans.Add(new PySpan(PySpanKind.String, i, end - i, triple));
                i = end;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                while (i < n && (char.IsLetterOrDigit(code[i]) || code[i] == '_'))
                {
                    i++;
                }
            }
            else if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < n && char.IsAsciiDigit(code[i + 1])))
            {
                int start = i;
                bool plain = true;
                if (c == '0' && i + 1 < n && "xXoObB".Contains(code[i + 1], StringComparison.Ordinal))
                {
                    plain = false;
                    i += 2;
                }
                while (i < n && (char.IsAsciiDigit(code[i]) || code[i] == '_' || code[i] == '.'))
                {
                    i++;
                }
                if (i < n && code[i] is 'e' or 'E' && plain)
                {
                    plain = false;
                    i++;
                    if (i < n && code[i] is '+' or '-')
                    {
                        i++;
                    }
                }
                // Exponent digits, a j suffix, hex digits or a malformed literal: consumed, never mutated.
                while (i < n && (char.IsLetterOrDigit(code[i]) || code[i] == '_'))
                {
                    plain = false;
                    i++;
                }
                if (plain && code.AsSpan(start, i - start).Count('.') <= 1)
                {
                    spans.Add(new PySpan(PySpanKind.Number, start, i - start));
                }
            }
            else
            {
                i++;
            }
        }
        return spans;
    }

    /// <summary>The value of a <see cref="PySpanKind.Number"/> span's text (underscores removed).</summary>
    public static decimal Value(string literal) =>
        decimal.Parse(literal.Replace("_", "", StringComparison.Ordinal) is var s && s.StartsWith('.') ? "0" + s : s.EndsWith('.') ? s + "0" : s,
            System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture);

    // A quote, possibly after a string prefix (r, b, u, f and two-letter combinations), not inside an identifier.
    private static bool IsStringStart(string code, int i, out int quoteAt)
    {
        quoteAt = i;
        if (i > 0 && (char.IsLetterOrDigit(code[i - 1]) || code[i - 1] == '_'))
        {
            return false;
        }
        int j = i;
        while (j < code.Length && j - i < 2 && "rRbBuUfF".Contains(code[j], StringComparison.Ordinal))
        {
            j++;
        }
        if (j < code.Length && code[j] is '\'' or '"')
        {
            quoteAt = j;
            return true;
        }
        return false;
    }

    private static int StringEnd(string code, int q, out bool triple)
    {
        char quote = code[q];
        triple = q + 2 < code.Length && code[q + 1] == quote && code[q + 2] == quote;
        int i = q + (triple ? 3 : 1);
        while (i < code.Length)
        {
            char c = code[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == quote && (!triple || (i + 2 < code.Length && code[i + 1] == quote && code[i + 2] == quote)))
            {
                return Math.Min(code.Length, i + (triple ? 3 : 1));
            }
            if (c == '\n' && !triple)
            {
                return i; // unterminated single-line string: ends at the line
            }
            i++;
        }
        return code.Length;
    }
}
