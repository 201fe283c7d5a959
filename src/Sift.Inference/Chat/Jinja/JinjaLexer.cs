using System.Globalization;
using System.Text;

namespace Sift.Inference.Chat.Jinja;

/// <summary>A template error (parse or render), with the position in the template where known.</summary>
public sealed class JinjaException(string message) : Exception(message);

internal enum SegmentKind
{
    Text,
    Output,
    Statement,
}

/// <summary>A piece of a template: literal text, an {{ output }} or a {% statement %} (with its source offset).</summary>
internal readonly record struct Segment(SegmentKind Kind, string Body, int Offset);

internal enum TokKind
{
    Name,
    String,
    Integer,
    Float,
    Op,
    End,
}

internal readonly record struct Tok(TokKind Kind, string Text, int Offset)
{
    public bool Is(string op) => (Kind == TokKind.Op || Kind == TokKind.Name) && Text == op;
}

/// <summary>
/// Splits a template into segments with Jinja's whitespace control as Hugging Face configures it for chat templates:
/// trim_blocks (the newline after a {% %} tag is dropped), lstrip_blocks (spaces and tabs before a {% %} tag at the
/// start of a line are dropped), and the "-" markers ({%- -%} {{- -}}) that strip all whitespace on that side.
/// </summary>
internal static class JinjaLexer
{
    public static List<Segment> Split(string src)
    {
        var segs = new List<Segment>();
        int i = 0;
        bool stripNextLeading = false, trimNextNewline = false;
        while (i < src.Length)
        {
            int open = NextTag(src, i);
            string text = src[i..(open < 0 ? src.Length : open)];
            if (trimNextNewline)
            {
                if (text.StartsWith("\r\n", StringComparison.Ordinal))
                {
                    text = text[2..];
                }
                else if (text.StartsWith('\n'))
                {
                    text = text[1..];
                }
            }
            if (stripNextLeading)
            {
                text = text.TrimStart();
            }
            stripNextLeading = trimNextNewline = false;
            if (open < 0)
            {
                Add(segs, text, i);
                break;
            }
            char kind = src[open + 1];
            bool minusLeft = open + 2 < src.Length && src[open + 2] == '-';
            bool plusLeft = open + 2 < src.Length && src[open + 2] == '+';
            if (minusLeft)
            {
                text = text.TrimEnd();
            }
            else if (kind == '%' && !plusLeft)
            {
                // lstrip_blocks: drop the spaces/tabs between the start of the source line and the block tag.
                int k = open;
                while (k > 0 && (src[k - 1] == ' ' || src[k - 1] == '\t'))
                {
                    k--;
                }
                if (k == 0 || src[k - 1] == '\n')
                {
                    text = text[..Math.Max(0, text.Length - (open - k))];
                }
            }
            Add(segs, text, i);
            string close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int bodyStart = open + 2 + (minusLeft || plusLeft ? 1 : 0);
            int end = src.IndexOf(close, bodyStart, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new JinjaException($"unclosed '{src.Substring(open, 2)}' at offset {open}");
            }
            bool minusRight = end > bodyStart && src[end - 1] == '-';
            string body = src[bodyStart..(minusRight ? end - 1 : end)];
            if (kind == '{')
            {
                segs.Add(new Segment(SegmentKind.Output, body, open));
            }
            else if (kind == '%')
            {
                segs.Add(new Segment(SegmentKind.Statement, body.Trim(), open));
                trimNextNewline = true;
            }
            else
            {
                trimNextNewline = true; // comments behave like blocks for trim_blocks
            }
            stripNextLeading = minusRight;
            i = end + 2;
        }
        return segs;
    }

    private static void Add(List<Segment> segs, string text, int offset)
    {
        if (text.Length > 0)
        {
            segs.Add(new Segment(SegmentKind.Text, text, offset));
        }
    }

    private static int NextTag(string s, int from)
    {
        for (int i = from; i + 1 < s.Length; i++)
        {
            if (s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#'))
            {
                return i;
            }
        }
        return -1;
    }

    private static readonly string[] Ops = ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ".", ",", "|", ":", "="];

    /// <summary>Tokens of an expression or statement body.</summary>
    public static List<Tok> Tokens(string s, int baseOffset)
    {
        var list = new List<Tok>();
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            int at = baseOffset + i;
            if (char.IsLetter(c) || c == '_')
            {
                int j = i + 1;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_'))
                {
                    j++;
                }
                list.Add(new Tok(TokKind.Name, s[i..j], at));
                i = j;
                continue;
            }
            if (char.IsDigit(c))
            {
                int j = i;
                while (j < s.Length && (char.IsDigit(s[j]) || s[j] == '_'))
                {
                    j++;
                }
                bool isFloat = j + 1 < s.Length && s[j] == '.' && char.IsDigit(s[j + 1]);
                if (isFloat)
                {
                    j++;
                    while (j < s.Length && char.IsDigit(s[j]))
                    {
                        j++;
                    }
                }
                list.Add(new Tok(isFloat ? TokKind.Float : TokKind.Integer, s[i..j].Replace("_", ""), at));
                i = j;
                continue;
            }
            if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                int j = i + 1;
                while (true)
                {
                    if (j >= s.Length)
                    {
                        throw new JinjaException($"unterminated string at offset {at}");
                    }
                    char d = s[j];
                    if (d == c)
                    {
                        break;
                    }
                    if (d == '\\' && j + 1 < s.Length)
                    {
                        char e = s[++j];
                        switch (e)
                        {
                            case 'n': sb.Append('\n'); break;
                            case 't': sb.Append('\t'); break;
                            case 'r': sb.Append('\r'); break;
                            case '\\': sb.Append('\\'); break;
                            case '\'': sb.Append('\''); break;
                            case '"': sb.Append('"'); break;
                            case 'u' when j + 4 < s.Length:
                                sb.Append((char)int.Parse(s.AsSpan(j + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                                j += 4;
                                break;
                            default: sb.Append('\\').Append(e); break;
                        }
                        j++;
                        continue;
                    }
                    sb.Append(d);
                    j++;
                }
                list.Add(new Tok(TokKind.String, sb.ToString(), at));
                i = j + 1;
                continue;
            }
            string? op = null;
            foreach (string o in Ops)
            {
                if (string.CompareOrdinal(s, i, o, 0, o.Length) == 0)
                {
                    op = o;
                    break;
                }
            }
            if (op is null)
            {
                throw new JinjaException($"unexpected character '{c}' at offset {at}");
            }
            list.Add(new Tok(TokKind.Op, op, at));
            i += op.Length;
        }
        list.Add(new Tok(TokKind.End, "", baseOffset + s.Length));
        return list;
    }
}
