using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Hub;

/// <summary>Repository path patterns: <c>*</c> within one folder, <c>**/</c> any number of folders, <c>?</c> one character.</summary>
public static class FileGlob
{
    /// <summary>True when <paramref name="path"/> ('/'-separated) matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string pattern, string path) => ToRegex(pattern).IsMatch(path);

    /// <summary>The files matching the pattern, sorted ordinally (shard names sort in shard order).</summary>
    public static IReadOnlyList<string> Select(string pattern, IEnumerable<string> files)
    {
        var rx = ToRegex(pattern);
        return [.. files.Where(f => rx.IsMatch(f)).Order(StringComparer.Ordinal)];
    }

    private static Regex ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                bool slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                sb.Append(c switch { '*' => "[^/]*", '?' => "[^/]", _ => Regex.Escape(c.ToString()) });
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
