using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Grading;
using Sift.Grading.Extraction;

namespace Sift.Eval.Datasets;

/// <summary>Small readers shared by the dataset definitions. Missing or mistyped fields throw <see cref="SiftException"/> naming the field.</summary>
internal partial class RecordFields
{
    /// <summary>A required field as Python's <c>str()</c> would print it.</summary>
    public static string Str(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var v) && v is not null ? Py.Str(v) : throw new SiftException($"missing field \"{name}\"");

    /// <summary>A required string field.</summary>
    public static string Text(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue(out string? s) ? s
        : throw new SiftException(o.ContainsKey(name) ? $"field \"{name}\" must be a string" : $"missing field \"{name}\"");

    /// <summary>An optional field as text (null when absent or null).</summary>
    public static string? Optional(JsonObject o, string name) =>
        o.TryGetPropertyValue(name, out var v) && v is not null ? Py.Str(v) : null;

    /// <summary>ZG <c>strip_string</c> applied <paramref name="times"/> times (it is not idempotent, so the count matters).</summary>
    public static string Strip(string s, int times)
    {
        for (int i = 0; i < times; i++)
        {
            s = Grader.StripString(s);
        }
        return s;
    }

    /// <summary>ZG <c>extract_answer</c> (which strips once) followed by <paramref name="extraStrips"/> more strips.</summary>
    public static string ZgBoxed(string solution, int extraStrips) => Strip(AnswerExtractor.ExtractZg(solution), extraStrips);

    /// <summary>The gold in a MATH-style solution: its last <c>\boxed{}</c> (joined with boxes listed just before it).</summary>
    public static string Boxed(string solution)
    {
        var e = AnswerExtractor.ExtractFromAnswer(solution);
        return e.Rule == "boxed" ? e.Answer : throw new SiftException("the solution has no \\boxed{} answer");
    }

    /// <summary>A number written by Python (<c>43.0</c>, <c>3244047.0999999996</c>) as a person would write it (<c>43</c>, <c>3244047.1</c>).</summary>
    public static string CleanNumber(string s)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || !double.IsFinite(d))
        {
            return s.Trim();
        }
        if (d == Math.Floor(d) && Math.Abs(d) < 1e15)
        {
            return ((long)d).ToString(CultureInfo.InvariantCulture);
        }
        return d.ToString("G15", CultureInfo.InvariantCulture);
    }

    /// <summary><c>"Level 3"</c> or <c>3</c> → <c>"3"</c>.</summary>
    public static string? Level(JsonObject o, string name)
    {
        string? s = Optional(o, name);
        return s is null ? null : s.StartsWith("Level ", StringComparison.Ordinal) ? s[6..] : s;
    }

    /// <summary>ASDiv's answer with parenthesised units removed: <c>re.sub(r"\(.*?\)", "", answer)</c>.</summary>
    public static string RemoveParenthesised(string s) => Parenthesised().Replace(s, "");

    [GeneratedRegex(@"\(.*?\)")]
    private static partial Regex Parenthesised();

    /// <summary>Options as the harness lists them for MMLU: <c>(A) x, (B) y, …</c>.</summary>
    public static string LetteredChoices(JsonObject o, string name)
    {
        if (o[name] is not JsonArray arr)
        {
            throw new SiftException($"field \"{name}\" must be a list of options");
        }
        if (arr.Count != 4)
        {
            throw new SiftException($"field \"{name}\" must have 4 options, found {arr.Count}");
        }
        return string.Join(", ", arr.Select((c, i) => $"({"ABCD"[i]}) {Py.Strip(Py.Str(c))}"));
    }

    /// <summary>SAT-Math options <c>"A) x B) y"</c> → <c>"(A) x (B) y"</c>, as the harness rewrites them.</summary>
    public static string SatOptions(string options)
    {
        options = Py.Strip(options);
        if (options.Length == 0 || options[0] != 'A')
        {
            throw new SiftException("field \"options\" must start with \"A)\"");
        }
        options = "(" + options;
        foreach (char ch in "BCD")
        {
            options = options.Replace($" {ch}) ", $" ({ch}) ", StringComparison.Ordinal);
        }
        return Py.Strip(options);
    }

    /// <summary>
    /// MathQA options <c>"a ) 12 , b ) 16"</c> (or a Python list literal of them) → <c>"(A) 12, (B) 16"</c>,
    /// following the harness's substitutions in order.
    /// </summary>
    public static string MathQaOptions(string options)
    {
        options = Py.Strip(options);
        if (options.StartsWith('['))
        {
            options = string.Join(", ", PythonStringList(options));
        }
        if (options.Length == 0 || options[0] != 'a')
        {
            throw new SiftException($"field \"options\" must start with \"a )\": {options}");
        }
        foreach (char ch in "abcde")
        {
            if (options.Contains($"{ch} ) ", StringComparison.Ordinal))
            {
                options = options.Replace($"{ch} ) {ch} ) ", $"{ch} ) ", StringComparison.Ordinal);
                options = options.Replace($"{ch} ) ", $"({char.ToUpperInvariant(ch)}) ", StringComparison.Ordinal);
            }
        }
        return Py.Strip(options.Replace(" , ", ", ", StringComparison.Ordinal));
    }

    /// <summary>Reads a Python list of string literals (<c>['a', "b"]</c>), the only thing the harness <c>eval</c>s.</summary>
    public static List<string> PythonStringList(string s)
    {
        var items = new List<string>();
        int i = 1;
        void Ws()
        {
            while (i < s.Length && char.IsWhiteSpace(s[i]))
            {
                i++;
            }
        }
        Ws();
        while (i < s.Length && s[i] != ']')
        {
            char q = s[i];
            if (q is not ('\'' or '"'))
            {
                throw new SiftException($"options: expected a quoted string at column {i + 1}");
            }
            var sb = new StringBuilder();
            i++;
            while (i < s.Length && s[i] != q)
            {
                if (s[i] == '\\' && i + 1 < s.Length)
                {
                    i++;
                    sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', _ => s[i] });
                }
                else
                {
                    sb.Append(s[i]);
                }
                i++;
            }
            if (i >= s.Length)
            {
                throw new SiftException("options: unterminated string");
            }
            i++;
            items.Add(sb.ToString());
            Ws();
            if (i < s.Length && s[i] == ',')
            {
                i++;
                Ws();
            }
        }
        if (i >= s.Length)
        {
            throw new SiftException("options: missing ']'");
        }
        return items;
    }

    /// <summary>The first of the harness's default question fields that is present.</summary>
    public static string DefaultQuestion(JsonObject o)
    {
        foreach (string key in new[] { "question", "problem", "Question", "input" })
        {
            if (o.ContainsKey(key))
            {
                return Str(o, key);
            }
        }
        throw new SiftException("missing the question (one of \"question\", \"problem\", \"Question\", \"input\")");
    }
}
