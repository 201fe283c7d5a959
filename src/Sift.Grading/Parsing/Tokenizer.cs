namespace Sift.Grading.Parsing;

/// <summary>Splits a LaTeX or plain-text math string into tokens. Never throws except <see cref="ParseException"/>.</summary>
internal static class Tokenizer
{
    /// <summary>Plain words that are functions or constants (kept whole instead of split into letters).</summary>
    internal static readonly HashSet<string> KnownWords = new(StringComparer.Ordinal)
    {
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan",
        "sinh", "cosh", "tanh", "log", "ln", "exp", "sqrt", "pi", "infty", "infinity", "inf", "abs",
    };

    /// <summary>Commands whose braced argument is read raw as text.</summary>
    private static readonly HashSet<string> TextCommands = new(StringComparer.Ordinal)
    {
        "text", "textbf", "textit", "textnormal", "textrm", "textsf", "texttt", "mbox", "mathrm", "mathbf",
        "mathit", "mathsf", "mathtt", "operatorname", "rm", "hbox", "textup", "emph", "bf", "mathnormal",
    };

    public static List<Token> Tokenize(string s, bool sympyStyle = false)
    {
        var tokens = new List<Token>(s.Length / 2 + 4);
        var i = 0;
        var space = false;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c) || c == '~')
            {
                space = true;
                i++;
                continue;
            }

            if (c is >= '0' and <= '9' || (c == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                var start = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                if (i < s.Length && s[i] == '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
                {
                    i++;
                    while (i < s.Length && char.IsAsciiDigit(s[i]))
                    {
                        i++;
                    }
                }
                else if (i < s.Length && s[i] == '.' && (i + 1 == s.Length || !char.IsAsciiLetter(s[i + 1])) && i > start)
                {
                    // "2." — a trailing point belongs to the number.
                    i++;
                }

                // Scientific notation: 2.5E2, 1500E-1 (only upper-case E or e followed by digits).
                if (i + 1 < s.Length && s[i] is 'E' or 'e')
                {
                    var j = i + 1;
                    if (j < s.Length && s[j] is '+' or '-')
                    {
                        j++;
                    }

                    var k = j;
                    while (k < s.Length && char.IsAsciiDigit(s[k]))
                    {
                        k++;
                    }

                    if (k > j && (k == s.Length || !char.IsAsciiLetter(s[k])) && k - j <= 4)
                    {
                        i = k;
                    }
                }

                tokens.Add(new Token(TokenKind.Number, s[start..i], space));
                space = false;
                continue;
            }

            if (char.IsLetter(c))
            {
                var start = i;
                while (i < s.Length && char.IsLetter(s[i]) && s[i] < 128)
                {
                    i++;
                }

                if (i == start)
                {
                    // Non-ASCII letter (Greek etc.): one symbol.
                    tokens.Add(new Token(TokenKind.Letter, s[i].ToString(), space));
                    i++;
                    space = false;
                    continue;
                }

                var word = s[start..i];
                if (sympyStyle)
                {
                    // sympy's parse_latex splits every plain word into single-letter symbols.
                    foreach (var ch in word)
                    {
                        tokens.Add(new Token(TokenKind.Letter, ch.ToString(), space));
                        space = false;
                    }
                }
                else if (KnownWords.Contains(word) || word is "and" or "or" or "pct" or "percent" or "percentage")
                {
                    tokens.Add(new Token(TokenKind.Word, word, space));
                }
                else if (word.Length >= 4)
                {
                    tokens.Add(new Token(TokenKind.Word, word, space));
                }
                else
                {
                    foreach (var ch in word)
                    {
                        tokens.Add(new Token(TokenKind.Letter, ch.ToString(), space));
                        space = false;
                    }
                }

                space = false;
                continue;
            }

            if (c == '\\')
            {
                if (i + 1 >= s.Length)
                {
                    i++;
                    continue;
                }

                var n = s[i + 1];
                if (n == '\\')
                {
                    tokens.Add(new Token(TokenKind.RowSep, "\\\\", space));
                    space = false;
                    i += 2;
                    continue;
                }

                if (!char.IsAsciiLetter(n))
                {
                    i += 2;
                    switch (n)
                    {
                        case '{':
                            tokens.Add(new Token(TokenKind.Op, "\\{", space));
                            break;
                        case '}':
                            tokens.Add(new Token(TokenKind.Op, "\\}", space));
                            break;
                        case '%':
                            tokens.Add(new Token(TokenKind.Op, "%", space));
                            break;
                        case '|':
                            tokens.Add(new Token(TokenKind.Op, "|", space));
                            break;
                        case '$' or ',' or '!' or ';' or ':' or ' ' or '>':
                            space = true;
                            continue;
                        default:
                            if (sympyStyle)
                            {
                                tokens.Add(new Token(TokenKind.Eof, string.Empty, space));
                                return tokens;
                            }

                            throw new ParseException($"unsupported escape '\\{n}'");
                    }

                    space = false;
                    continue;
                }

                var st = i + 1;
                i = st;
                while (i < s.Length && char.IsAsciiLetter(s[i]))
                {
                    i++;
                }

                var name = s[st..i];
                if (TextCommands.Contains(name))
                {
                    var content = ReadRawGroup(s, ref i);
                    tokens.Add(new Token(TokenKind.Text, content, space));
                }
                else if (name is "begin" or "end")
                {
                    var env = ReadRawGroup(s, ref i);
                    if (name == "begin" && env == "array")
                    {
                        ReadRawGroup(s, ref i); // column spec
                    }

                    tokens.Add(new Token(name == "begin" ? TokenKind.Begin : TokenKind.End, env, space));
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Command, name, space));
                }

                space = false;
                continue;
            }

            // Multi-character operators.
            if (i + 1 < s.Length)
            {
                var two = s.Substring(i, 2);
                if (two is "<=" or ">=" or "!=" or "**" or "=<" or "=>")
                {
                    tokens.Add(new Token(TokenKind.Op, two switch { "=<" => "<=", "=>" => ">=", _ => two }, space));
                    space = false;
                    i += 2;
                    continue;
                }
            }

            var op = c switch
            {
                '≤' => "<=",
                '≥' => ">=",
                '≠' => "!=",
                '±' => "±",
                '∞' => "∞",
                'π' => "π",
                '×' or '·' or '⋅' => "*",
                '÷' => "/",
                '−' or '–' => "-",
                '°' => "°",
                '√' => "√",
                '∪' => "∪",
                _ => c.ToString(),
            };
            if (op.Length == 1 && "+-*/^_()[]{},;=<>!|&:%'".IndexOf(op[0]) < 0)
            {
                if (sympyStyle)
                {
                    // Prefix parsing: the lexer stops at the first character it does not know.
                    break;
                }

                throw new ParseException($"unexpected character '{c}'");
            }

            tokens.Add(new Token(TokenKind.Op, op, space));
            space = false;
            i++;
        }

        tokens.Add(new Token(TokenKind.Eof, string.Empty, space));
        return tokens;
    }

    /// <summary>Reads a brace group starting at (optional whitespace then) '{' and returns its raw content; a missing group reads one character.</summary>
    internal static string ReadRawGroup(string s, ref int i)
    {
        while (i < s.Length && s[i] == ' ')
        {
            i++;
        }

        if (i >= s.Length)
        {
            return string.Empty;
        }

        if (s[i] != '{')
        {
            return s[i++].ToString();
        }

        var depth = 0;
        var start = i + 1;
        for (; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] is '{' or '}')
            {
                i++;
                continue;
            }

            if (s[i] == '{')
            {
                depth++;
            }
            else if (s[i] == '}')
            {
                depth--;
                if (depth == 0)
                {
                    var content = s[start..i];
                    i++;
                    return content;
                }
            }
        }

        throw new ParseException("unbalanced braces");
    }
}
