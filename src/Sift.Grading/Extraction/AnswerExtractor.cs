using System.Text.RegularExpressions;
using Sift.Grading.Compat;

namespace Sift.Grading.Extraction;

/// <summary>
/// Pulls the final answer out of a model completion. <see cref="Extract"/> is the strict, dataset-agnostic
/// extractor; <see cref="ExtractZg"/> is the exact ZG/Rho-1 <c>extract_answer</c> used by compat mode.
/// </summary>
public static partial class AnswerExtractor
{
    [GeneratedRegex(@"final answer is\s*\$(?<a>.+?)\$\s*\.?\s*I hope", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Minerva();

    [GeneratedRegex(@"answer is:?\s*(?<a>[^\n]+)", RegexOptions.IgnoreCase)]
    private static partial Regex AnswerIs();

    [GeneratedRegex(@"(?:final answer|answer)\s*:\s*(?<a>[^\n]+)", RegexOptions.IgnoreCase)]
    private static partial Regex AnswerColon();

    [GeneratedRegex(@"\.?\s*I hope it is correct.*$|<\|im_(?:start|end)\|>.*$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Trailer();

    [GeneratedRegex(@"####\s*(?<a>[^\n]+)")]
    private static partial Regex Hashes();

    [GeneratedRegex(@"```output\s*\n(?<a>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ProgramOutput();

    [GeneratedRegex(@"(?<!\\)\$\$(?<a>.+?)(?<!\\)\$\$|\\\[(?<a>.+?)\\\]|\\\((?<a>[^\n]+?)\\\)|(?<!\\)\$(?<a>(?:[^\n$]|(?<=\\)\$)+?)(?<!\\)\$", RegexOptions.Singleline)]
    private static partial Regex LatexMath();

    [GeneratedRegex(@"(?<![A-Za-z\d.])(?:-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+)(?:\s*(?:\\?%|percent\b|pct\b))?")]
    private static partial Regex Number();

    [GeneratedRegex(@"(?:answer|choice|option) is:?\s*\(?(?<a>[A-E])\)?(?![a-zA-Z])", RegexOptions.IgnoreCase)]
    private static partial Regex ChoiceAnswer();

    [GeneratedRegex(@"^\s*\(?(?<a>[A-E])\)?[\s.:]*$")]
    private static partial Regex LoneChoice();

    /// <summary>Strict extraction from a full completion, in priority order; <c>none</c> when nothing is found.</summary>
    public static Extraction Extract(string completion, bool multipleChoice = false, bool numberFallback = true)
    {
        if (multipleChoice)
        {
            return ExtractChoice(completion);
        }

        var minerva = Minerva().Matches(completion);
        if (minerva.Count > 0)
        {
            return new Extraction(minerva[^1].Groups["a"].Value.Trim(), "minerva");
        }

        var boxed = LatexScan.FindBoxed(completion);
        if (boxed.Count > 0)
        {
            return new Extraction(JoinTrailingBoxed(completion, boxed), "boxed");
        }

        var answerIs = AnswerIs().Matches(completion);
        var answerColon = AnswerColon().Matches(completion);
        var tailMatch = answerIs.Count > 0 ? answerIs[^1] : answerColon.Count > 0 ? answerColon[^1] : null;
        if (tailMatch is not null && FromAnswerTail(tailMatch.Groups["a"].Value) is { Length: > 0 } fromTail)
        {
            return new Extraction(fromTail, "answer-is");
        }

        var hashes = Hashes().Matches(completion);
        if (hashes.Count > 0)
        {
            return new Extraction(hashes[^1].Groups["a"].Value.Trim(), "gsm8k");
        }

        var output = ProgramOutput().Matches(completion);
        if (output.Count > 0)
        {
            var lines = output[^1].Groups["a"].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (lines.Length > 0)
            {
                return new Extraction(lines[^1], "program-output");
            }
        }

        var env = LatexMath().Matches(completion);
        var numbers = numberFallback ? Number().Matches(Trailer().Replace(completion, string.Empty)) : null;
        var lastEnv = env.Count > 0 ? env[^1] : null;
        var lastNumber = numbers is { Count: > 0 } ? numbers[^1] : null;
        if (lastEnv is not null && (lastNumber is null || lastEnv.Index + lastEnv.Length >= lastNumber.Index + lastNumber.Length))
        {
            return new Extraction(lastEnv.Groups["a"].Value.Trim(), "latex-math");
        }

        var trimmed = completion.Trim();
        if (trimmed.Length <= 80 && trimmed.Contains('\\') && !Regex.IsMatch(trimmed, "[A-Za-z]{4,}(?<!\\[A-Za-z]*)\\s"))
        {
            // A bare LaTeX answer without delimiters (\frac{10}{9}).
            return new Extraction(trimmed, "bare-latex");
        }

        if (lastNumber is not null)
        {
            return new Extraction(lastNumber.Value.TrimEnd(','), "last-number");
        }

        return new Extraction(string.Empty, "none");
    }

    /// <summary>The answer inside "answer is …" text: math if present, else the phrase after the last " is ", else the last number.</summary>
    private static string FromAnswerTail(string tail)
    {
        tail = Trailer().Replace(tail, string.Empty).Trim();
        var isAt = tail.LastIndexOf(" is ", StringComparison.Ordinal);
        if (isAt >= 0)
        {
            tail = tail[(isAt + 4)..];
        }

        var math = LatexMath().Matches(tail);
        if (math.Count > 0)
        {
            return math[^1].Groups["a"].Value.Trim();
        }

        var answer = CutSentence(tail);
        var words = System.Text.RegularExpressions.Regex.Matches(answer, "[A-Za-z]{3,}").Count;
        if (words >= 2 && Number().Matches(answer) is { Count: > 0 } ns)
        {
            return ns[^1].Value;
        }

        return answer;
    }

    /// <summary>
    /// Extraction for a string that is already (mostly) an answer: boxed content if any, else the content of math
    /// delimiters if any, else the text itself.
    /// </summary>
    public static Extraction ExtractFromAnswer(string answer)
    {
        var boxed = LatexScan.FindBoxed(answer);
        if (boxed.Count > 0)
        {
            return new Extraction(JoinTrailingBoxed(answer, boxed), "boxed");
        }

        var env = LatexMath().Matches(answer);
        if (env.Count > 1 && Regex.IsMatch(LatexMath().Replace(answer, string.Empty), @"^[\s,;.]*(?:(?:and|or|,)[\s,;.]*)*$"))
        {
            return new Extraction(string.Join(", ", env.Select(m => m.Groups["a"].Value.Trim())), "latex-math");
        }

        var outside = LatexMath().Replace(answer, " ");
        var delimited = answer.TrimStart().StartsWith('$') || answer.TrimStart().StartsWith("\\(", StringComparison.Ordinal) || answer.TrimStart().StartsWith("\\[", StringComparison.Ordinal);
        if (env.Count > 0 && (delimited || Regex.IsMatch(outside, "[A-Za-z]{3,}")))
        {
            // Math with prose around it: the last math span, plus a percent word right after it.
            var last = env[^1];
            var after = answer[(last.Index + last.Length)..];
            var pct = Regex.IsMatch(after, @"^\s*(?:\\?%|percent|pct)") ? "%" : string.Empty;
            return new Extraction(last.Groups["a"].Value.Trim() + pct, "latex-math");
        }

        return new Extraction(answer.Trim(), "answer");
    }

    /// <summary>Multiple-choice letter (A–E) from a completion.</summary>
    public static Extraction ExtractChoice(string completion)
    {
        var m = ChoiceAnswer().Matches(completion);
        if (m.Count > 0)
        {
            return new Extraction(m[^1].Groups["a"].Value.ToUpperInvariant(), "choice");
        }

        var boxed = LatexScan.FindBoxed(completion);
        if (boxed.Count > 0)
        {
            var inner = Regex.Replace(boxed[^1].Content, @"\\text\{([^{}]*)\}", "$1");
            var lone = LoneChoice().Match(inner);
            if (lone.Success)
            {
                return new Extraction(lone.Groups["a"].Value, "choice");
            }
        }

        var single = LoneChoice().Match(completion);
        return single.Success ? new Extraction(single.Groups["a"].Value, "choice") : new Extraction(string.Empty, "none");
    }

    /// <summary>The GSM8K gold: the text after the last <c>####</c>, commas removed.</summary>
    public static string ExtractGsm8kGold(string answerField)
    {
        var at = answerField.LastIndexOf("####", StringComparison.Ordinal);
        return (at < 0 ? answerField : answerField[(at + 4)..]).Trim().Replace(",", string.Empty);
    }

    /// <summary>The exact ZG <c>extract_answer</c> (which already applies <c>strip_string</c> once).</summary>
    public static string ExtractZg(string completion, bool multipleChoice = false) => ZgExtractor.ExtractAnswer(completion, multipleChoice);

    private static string CutSentence(string tail)
    {
        // "The answer is 42. Next…" → "42"; keep decimals such as 3.5.
        var m = Regex.Match(tail, @"^(.*?)(?:\.\s|\.$|$)");
        var s = m.Success ? m.Groups[1].Value : tail;
        return s.Trim().TrimEnd('.', ',', ';', ':');
    }

    /// <summary>The last boxed answer, joined with earlier boxes separated only by commas/"and"/"or"/short words.</summary>
    private static string JoinTrailingBoxed(string text, List<LatexScan.Boxed> boxed)
    {
        var after = text[boxed[^1].End..];
        var pct = Regex.IsMatch(after, @"^\s*\$?\s*(?:\\?%|percent|pct)") ? "%" : string.Empty;
        var parts = new List<string> { boxed[^1].Content + pct };
        for (var k = boxed.Count - 2; k >= 0; k--)
        {
            var gap = text[boxed[k].End..boxed[k + 1].Start];
            var words = Regex.Matches(gap, "[a-zA-Z]{2,}").Select(m => m.Value).Where(w => w is not ("quad" or "qquad" or "text")).ToList();
            var others = words.Count(w => w is not ("and" or "or"));
            var connector = gap.Contains(',') || words.Contains("and") || words.Contains("or");
            var noLetters = !gap.Any(char.IsLetter);
            var joinable = !gap.Contains('\n', StringComparison.Ordinal) && gap.Length <= 60
                && (noLetters || (connector && others <= 2));
            if (!joinable)
            {
                break;
            }

            parts.Insert(0, boxed[k].Content);
        }

        return string.Join(", ", parts);
    }
}
