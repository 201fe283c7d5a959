using System.Text.Json;
using Sift.Grading.Extraction;
using Xunit.Abstractions;

namespace Sift.Grading.Tests;

/// <summary>Runs the shared equivalence cases: strict vs expected_equal, compat vs recorded ZG verdicts.</summary>
public sealed class ConformanceTests
{
    private readonly ITestOutputHelper _output;

    public ConformanceTests(ITestOutputHelper output) => _output = output;

    internal sealed record Case(string Id, string Gold, string Prediction, bool Expected, string InputKind, JsonElement Verdicts, JsonElement? Params);

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
                r.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : null));
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
        if (c.InputKind == "response")
        {
            var gold = AnswerExtractor.Extract(c.Gold).Answer;
            return Grader.GradeResponse(gold, c.Prediction, GradeMode.Strict, options);
        }

        return Grader.Grade(c.Gold, c.Prediction, GradeMode.Strict, options);
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

        Assert.True(total - failures.Count >= total - 3, "compat disagreements:\n" + string.Join("\n", failures));
    }
}
