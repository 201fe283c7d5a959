using Sift.Grading.Compat;
using Sift.Grading.Extraction;
using Sift.Grading.Parsing;
using Sift.Grading.Strict;

namespace Sift.Grading;

/// <summary>
/// Grades a predicted answer against a gold answer. Thread-safe and allocation-light; every call has a cooperative
/// time budget (<see cref="GradeOptions.Budget"/>) and honours a <see cref="CancellationToken"/>; a timeout yields
/// <c>Equal = false, TimedOut = true</c> and never throws.
/// </summary>
public static class Grader
{
    /// <summary>Compares two extracted answers.</summary>
    public static GradeResult Grade(string gold, string prediction, GradeMode mode = GradeMode.Strict, GradeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= GradeOptions.Default;
        var budget = new Budget(options.Budget, cancellationToken);
        return mode == GradeMode.Compat ? GradeCompat(gold, prediction, budget) : GradeStrict(gold, prediction, options, budget);
    }

    /// <summary>Extracts the answer from a full model completion (mode-specific extractor), then grades it.</summary>
    public static GradeResult GradeResponse(string gold, string completion, GradeMode mode = GradeMode.Strict, GradeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= GradeOptions.Default;
        if (mode == GradeMode.Compat)
        {
            // ZG: pred = strip_string(extract_answer(completion)) — two strips in all.
            var pred = ZgNormalizer.StripString(ZgExtractor.ExtractAnswer(completion, options.MultipleChoice));
            var budget = new Budget(options.Budget, cancellationToken);
            return GradeCompatNormalized(ZgNormalizer.StripString(gold), pred, budget, "zg-extract");
        }

        var extraction = options.MultipleChoice ? AnswerExtractor.ExtractChoice(completion) : AnswerExtractor.Extract(completion);
        var result = Grade(gold, extraction.Answer, mode, options, cancellationToken);
        return result with { Trace = [$"extracted by rule '{extraction.Rule}': {extraction.Answer}", .. result.Trace] };
    }

    /// <summary>ZG <c>strip_string</c> (compat normaliser).</summary>
    public static string StripString(string answer) => ZgNormalizer.StripString(answer);

    private static GradeResult GradeCompat(string gold, string prediction, Budget budget)
    {
        // The ZG pipeline strips predictions twice (extract_answer + run_execute) and golds two or three times;
        // strip_string is not idempotent, so raw answers get the same two passes.
        var g = ZgNormalizer.StripString(ZgNormalizer.StripString(gold));
        var p = ZgNormalizer.StripString(ZgNormalizer.StripString(prediction));
        return GradeCompatNormalized(g, p, budget, null);
    }

    /// <summary>Compat comparison of already-normalised strings: exactly ZG's <c>math_equal(pred, gold)</c>.</summary>
    public static GradeResult GradeCompatNormalized(string gold, string prediction, Budget budget, string? note = null)
    {
        try
        {
            budget.CheckNow();
            var equal = ZgMathEqual.MathEqual(prediction, gold, budget, out var rule);
            return new GradeResult
            {
                Equal = equal,
                Rule = rule,
                Mode = GradeMode.Compat,
                NormalizedGold = gold,
                NormalizedPrediction = prediction,
                Trace = note is null ? [] : [note],
            };
        }
        catch (GradeTimeoutException)
        {
            return Timeout(GradeMode.Compat, gold, prediction);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            return new GradeResult { Equal = false, Rule = "internal-error:" + e.GetType().Name, Mode = GradeMode.Compat, NormalizedGold = gold, NormalizedPrediction = prediction };
        }
    }

    private static GradeResult Timeout(GradeMode mode, string gold, string prediction) => new()
    {
        Equal = false,
        Rule = "timeout",
        Mode = mode,
        NormalizedGold = gold,
        NormalizedPrediction = prediction,
        TimedOut = true,
    };

    private static GradeResult GradeStrict(string gold, string prediction, GradeOptions options, Budget budget)
    {
        var g = StrictNormalizer.Normalize(AnswerExtractor.ExtractFromAnswer(gold).Answer, StrictNormalizer.IsPlain(gold), out var gUnit);
        var p = StrictNormalizer.Normalize(AnswerExtractor.ExtractFromAnswer(prediction).Answer, StrictNormalizer.IsPlain(prediction), out var pUnit);
        var trace = new List<string>();
        GradeResult Result(bool equal, string rule, string ng, string np) => new()
        {
            Equal = equal,
            Rule = rule,
            Mode = GradeMode.Strict,
            NormalizedGold = ng,
            NormalizedPrediction = np,
            Trace = trace,
        };

        if (p.Length == 0)
        {
            return Result(false, "empty-prediction", g, p);
        }

        if (gUnit is not null && pUnit is not null && Units.Canonical(gUnit) != Units.Canonical(pUnit))
        {
            trace.Add($"unit convention: both sides name a unit and they differ ({Units.Canonical(gUnit)} vs {Units.Canonical(pUnit)}); no conversion");
            return Result(false, "unit-mismatch", g + gUnit, p + pUnit);
        }

        try
        {
            budget.CheckNow();
        }
        catch (GradeTimeoutException)
        {
            return Timeout(GradeMode.Strict, g, p);
        }

        if (Squash(g) == Squash(p))
        {
            return Result(true, "string", g, p);
        }

        if (BaseLiteral.Compare(g, p) is { } based)
        {
            trace.Add(based.Note);
            return Result(based.Equal, based.Rule, g, p);
        }

        // Number words ("twenty-one", "one half") are numbers, not prose.
        if (StrictNormalizer.IsWordAnswer(g, out var gw) && NumberWords.TryParse(gw, out var gv))
        {
            trace.Add($"number words: [{gw}] = {gv}");
            g = gv.ToString();
        }

        if (StrictNormalizer.IsWordAnswer(p, out var pw) && NumberWords.TryParse(pw, out var pv))
        {
            trace.Add($"number words: [{pw}] = {pv}");
            p = pv.ToString();
        }

        var gWord = StrictNormalizer.IsWordAnswer(g, out var gText);
        var pWord = StrictNormalizer.IsWordAnswer(p, out var pText);
        if (gWord || pWord)
        {
            var eq = gWord && pWord && string.Equals(Squash(gText), Squash(pText), StringComparison.OrdinalIgnoreCase);
            return Result(eq, "text", gText, pText);
        }

        try
        {
            Node gn, pn;
            try
            {
                gn = MathParser.Parse(g, budget);
                pn = MathParser.Parse(p, budget);
            }
            catch (ParseException e)
            {
                trace.Add("parse failed: " + e.Message);
                return Result(string.Equals(Squash(g), Squash(p), StringComparison.OrdinalIgnoreCase), "unparsed-string", g, p);
            }

            trace.Add($"normalised: gold [{g}], prediction [{p}]");
            var comparer = new StrictComparer(options, budget, trace);
            var equal = comparer.Equal(gn, pn);
            return Result(equal, comparer.Rule, gn.ToString(), pn.ToString());
        }
        catch (GradeTimeoutException)
        {
            return Timeout(GradeMode.Strict, g, p);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            // Safety net so one odd answer never aborts a run; the fuzz test asserts it is never reached.
            return Result(false, "internal-error:" + e.GetType().Name, g, p);
        }
    }

    private static string Squash(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));
}
