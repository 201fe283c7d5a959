using System.Text.Json;
using Sift.Grading.Extraction;
using Xunit.Abstractions;

namespace Sift.Grading.Tests;

/// <summary>Runs the shared equivalence cases: strict vs expected_equal, compat vs recorded ZG verdicts.</summary>
public sealed class ConformanceTests
{
    private readonly ITestOutputHelper _output;

    public ConformanceTests(ITestOutputHelper output) => _output = output;

    internal sealed record Case(string Id, string Gold, string Prediction, bool Expected, string InputKind, JsonElement Verdicts, JsonElement? Params, string? GoldRaw, string Call);

    internal static List<Case>? LoadCases()
    {
        var path = SharedData.File("conformance", "equivalence_cases.jsonl");
        if (path is null)
        {
            return null;
        }

        var list = new List<Case>();
        foreach (var line in System.IO.File.ReadLines(path))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            list.Add(new Case(
                r.GetProperty("id").GetString()!,
                r.GetProperty("gold").GetString()!,
                r.GetProperty("prediction").GetString()!,
                r.GetProperty("expected_equal").GetBoolean(),
                r.GetProperty("input_kind").GetString()!,
                r.GetProperty("verdicts").Clone(),
                r.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : null,
                r.TryGetProperty("gold_raw", out var g) ? g.GetString() : null,
                r.TryGetProperty("call", out var call) ? call.GetString() ?? string.Empty : string.Empty));
        }

        return list;
    }

    internal static GradeOptions OptionsFor(Case c)
    {
        var o = GradeOptions.Default;
        if (c.Params is { } p)
        {
            if (p.TryGetProperty("float_rounding", out var fr))
            {
                o = o with { FloatRounding = fr.GetInt32() };
            }

            if (p.TryGetProperty("allow_set_relation_comp", out var a))
            {
                o = o with { AllowSetRelationComparison = a.GetBoolean() };
            }

            if (p.TryGetProperty("strict", out var s))
            {
                o = o with { StrictVariables = s.GetBoolean() };
            }
        }

        return o;
    }

    internal static GradeResult GradeStrict(Case c)
    {
        var options = OptionsFor(c);

        // Strict grades the dataset's raw gold, not the harness-normalised copy (which strip_string may corrupt).
        var goldText = c.GoldRaw ?? c.Gold;
        if (c.InputKind == "response")
        {
            // Math-Verify calls configured with LatexExtractionConfig only have no bare-number fallback.
            var numbers = !c.Call.Contains("LatexExtractionConfig", StringComparison.Ordinal) || c.Call.Contains("ExprExtractionConfig", StringComparison.Ordinal);
            var gold = AnswerExtractor.Extract(goldText, numberFallback: numbers).Answer;
            var pred = AnswerExtractor.Extract(c.Prediction, numberFallback: numbers);
            return Grader.Grade(gold, pred.Answer, GradeMode.Strict, options);
        }

        return Grader.Grade(goldText, c.Prediction, GradeMode.Strict, options);
    }

    [Fact]
    public void StrictAgreesWithExpectedOnAtLeast99Percent()
    {
        var cases = LoadCases();
        if (cases is null)
        {
            _output.WriteLine("shared/conformance/equivalence_cases.jsonl not found: skipped");
            return;
        }

        var failures = new List<string>();
        foreach (var c in cases)
        {
            var r = GradeStrict(c);
            if (r.Equal != c.Expected)
            {
                failures.Add($"{c.Id}: expected {c.Expected}, got {r.Equal} (rule {r.Rule}) gold=[{r.NormalizedGold}] pred=[{r.NormalizedPrediction}]");
            }
        }

        var rate = 1.0 - ((double)failures.Count / cases.Count);
        _output.WriteLine($"strict agreement: {cases.Count - failures.Count}/{cases.Count} = {rate:P2}");
        foreach (var f in failures)
        {
            _output.WriteLine(f);
        }

        Assert.True(rate >= 0.99, $"strict agreement {rate:P2} below 99%:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void CompatMatchesRecordedHarnessVerdicts()
    {
        var cases = LoadCases();
        if (cases is null)
        {
            _output.WriteLine("shared/conformance/equivalence_cases.jsonl not found: skipped");
            return;
        }

        var total = 0;
        var failures = new List<string>();
        foreach (var c in cases)
        {
            if (!c.Verdicts.TryGetProperty("zubingou_harness", out var v))
            {
                continue;
            }

            total++;
            var expected = v.GetProperty("value").GetBoolean();
            var r = c.InputKind == "answer_normalized"
                ? Grader.GradeCompatNormalized(c.Gold, c.Prediction, new Budget(TimeSpan.FromSeconds(3)))
                : Grader.Grade(c.Gold, c.Prediction, GradeMode.Compat);
            if (r.Equal != expected)
            {
                failures.Add($"{c.Id}: harness {expected}, compat {r.Equal} (rule {r.Rule}) gold=[{r.NormalizedGold}] pred=[{r.NormalizedPrediction}]");
            }
        }

        _output.WriteLine($"compat agreement with recorded ZG verdicts: {total - failures.Count}/{total}");
        foreach (var f in failures)
        {
            _output.WriteLine(f);
        }

        Assert.True(failures.Count == 0, "compat disagreements:\n" + string.Join("\n", failures));
    }
}
