namespace Sift.Grading.Extraction;

/// <summary>Brace-matched scanning helpers for <c>\boxed{}</c> and friends.</summary>
internal static class LatexScan
{
    /// <summary>One <c>\boxed{…}</c>/<c>\fbox{…}</c> occurrence: content and the span it covers.</summary>
    internal readonly record struct Boxed(string Content, int Start, int End);

    /// <summary>All boxed occurrences in order; unbalanced ones take the rest of the text.</summary>
    public static List<Boxed> FindBoxed(string s)
    {
        var list = new List<Boxed>();
        var i = 0;
        while (i < s.Length)
        {
            var b = s.IndexOf("\\boxed", i, StringComparison.Ordinal);
            var f = s.IndexOf("\\fbox", i, StringComparison.Ordinal);
            var at = b < 0 ? f : f < 0 ? b : Math.Min(b, f);
            if (at < 0)
            {
                break;
            }

            var j = at + (at == b ? 6 : 5);
            while (j < s.Length && s[j] == ' ')
            {
                j++;
            }

            if (j < s.Length && s[j] == '{')
            {
                var depth = 0;
                var k = j;
                for (; k < s.Length; k++)
                {
                    if (s[k] == '{')
                    {
                        depth++;
                    }
                    else if (s[k] == '}' && --depth == 0)
                    {
                        break;
                    }
                }

                var content = k < s.Length ? s[(j + 1)..k] : s[(j + 1)..];
                list.Add(new Boxed(content, at, Math.Min(k + 1, s.Length)));
                i = Math.Min(k + 1, s.Length);
            }
            else
            {
                // "\boxed 5$": up to the next '$' or whitespace.
                var k = j;
                while (k < s.Length && s[k] != '$' && !char.IsWhiteSpace(s[k]))
                {
                    k++;
                }

                if (k > j)
                {
                    list.Add(new Boxed(s[j..k], at, k));
                }

                i = Math.Max(k, j + 1);
            }
        }

        return list;
    }
}
