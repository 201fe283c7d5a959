using System.Text.RegularExpressions;

namespace Sift.Grading.Compat;

/// <summary>Faithful port of ZG's <c>extract_answer</c> (spec §2.2), which ends with one <c>strip_string</c>.</summary>
internal static partial class ZgExtractor
{
    [GeneratedRegex(@"-?\d*\.?\d+")]
    private static partial Regex LastNumber();

    [GeneratedRegex(@"\n\s*")]
    private static partial Regex NewlineRuns();

    [GeneratedRegex(@"answer is \(?(?<ans>[abcde])\)?")]
    private static partial Regex Choice();

    public static string ExtractAnswer(string s, bool multipleChoice)
    {
        if (multipleChoice)
        {
            var cut = s.IndexOf("Problem:", StringComparison.Ordinal);
            var t = (cut >= 0 ? s[..cut] : s).Replace("choice is", "answer is");
            var m = Choice().Match(t.ToLowerInvariant());
            return m.Success ? m.Groups["ans"].Value.ToUpperInvariant() : "placeholder";
        }

        string pred;
        const string Fa = "final answer is $";
        const string Hope = "$. I hope";
        if (s.Contains(Fa, StringComparison.Ordinal) && s.Contains(Hope, StringComparison.Ordinal))
        {
            var tmp = s[(s.IndexOf(Fa, StringComparison.Ordinal) + Fa.Length)..];
            var end = tmp.IndexOf(Hope, StringComparison.Ordinal);
            pred = (end >= 0 ? tmp[..end] : tmp).Trim();
        }
        else if (s.Contains("boxed", StringComparison.Ordinal))
        {
            var ans = s[(s.LastIndexOf("boxed", StringComparison.Ordinal) + 5)..];
            if (ans.Length == 0)
            {
                return string.Empty;
            }

            if (ans[0] == '{')
            {
                var depth = 1;
                var sb = new System.Text.StringBuilder();
                foreach (var c in ans.AsSpan(1))
                {
                    if (c == '{')
                    {
                        depth++;
                    }
                    else if (c == '}')
                    {
                        depth--;
                        if (depth == 0)
                        {
                            break;
                        }
                    }

                    sb.Append(c);
                }

                pred = sb.ToString();
            }
            else
            {
                pred = ans.Split('$')[0].Trim();
            }
        }
        else if (s.Contains("he answer is", StringComparison.Ordinal))
        {
            pred = s[(s.LastIndexOf("he answer is", StringComparison.Ordinal) + 12)..].Trim();
        }
        else if (s.Contains("final answer is", StringComparison.Ordinal))
        {
            pred = s[(s.LastIndexOf("final answer is", StringComparison.Ordinal) + 15)..].Trim();
        }
        else
        {
            var ms = LastNumber().Matches(s.Replace(",", string.Empty));
            pred = ms.Count > 0 ? ms[^1].Value : string.Empty;
        }

        pred = NewlineRuns().Replace(pred, string.Empty);
        if (pred.Length > 0 && pred[0] == ':')
        {
            pred = pred[1..];
        }

        if (pred.Length > 0 && pred[^1] == '.')
        {
            pred = pred[..^1];
        }

        if (pred.Length > 0 && pred[^1] == '/')
        {
            pred = pred[..^1];
        }

        return ZgNormalizer.StripString(pred);
    }
}
