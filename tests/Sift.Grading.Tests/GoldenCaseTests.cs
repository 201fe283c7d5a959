using System.Text.Json;
using Sift.Grading.Extraction;

namespace Sift.Grading.Tests;

/// <summary>
/// Folder-style golden tests: every line of <c>Cases/*.jsonl</c> is one case. Grading cases carry
/// {gold, prediction, mode, equal, rule?}; <c>extraction.jsonl</c> carries {completion, answer, rule?, style?}.
/// </summary>
public sealed class GoldenCaseTests
{
    private static string CasesDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sift.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root (Sift.slnx) not found"), "tests", "Sift.Grading.Tests", "Cases");
    }

    private static IEnumerable<(string File, int Line, JsonElement Case)> Read(Func<string, bool> fileFilter)
    {
        foreach (var file in Directory.GetFiles(CasesDir(), "*.jsonl").Where(f => fileFilter(Path.GetFileName(f))).Order(StringComparer.Ordinal))
        {
            var n = 0;
            foreach (var line in File.ReadLines(file))
            {
                n++;
                if (line.Trim().Length > 0)
                {
                    yield return (Path.GetFileName(file), n, JsonDocument.Parse(line).RootElement.Clone());
                }
            }
        }
    }

    public static TheoryData<string, int> GradingCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, line, _) in Read(f => f != "extraction.jsonl"))
        {
            data.Add(file, line);
        }

        return data;
    }

    public static TheoryData<string, int> ExtractionCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (file, line, _) in Read(f => f == "extraction.jsonl"))
        {
            data.Add(file, line);
        }

        return data;
    }

    private static JsonElement Load(string file, int line) =>
        JsonDocument.Parse(File.ReadLines(Path.Combine(CasesDir(), file)).ElementAt(line - 1)).RootElement.Clone();

    [Fact]
    public void CaseFolderCoversAllFeatures()
    {
        var files = Directory.GetFiles(CasesDir(), "*.jsonl").Select(Path.GetFileName).ToHashSet();
        foreach (var expected in new[] { "numbers.jsonl", "fractions.jsonl", "radicals_constants.jsonl", "structures.jsonl", "matrices.jsonl", "relations.jsonl", "text_units_percent.jsonl", "extraction.jsonl" })
        {
            Assert.Contains(expected, files);
        }
    }

    [Theory]
    [MemberData(nameof(GradingCases))]
    public void GradesAsRecorded(string file, int line)
    {
        var c = Load(file, line);
        var gold = c.GetProperty("gold").GetString()!;
        var prediction = c.GetProperty("prediction").GetString()!;
        var mode = c.GetProperty("mode").GetString() == "compat" ? GradeMode.Compat : GradeMode.Strict;
        var result = Grader.Grade(gold, prediction, mode);
        var context = $"{file}:{line}\n{result.Explain()}";
        Assert.True(c.GetProperty("equal").GetBoolean() == result.Equal, context);
        if (c.TryGetProperty("rule", out var rule))
        {
            Assert.True(rule.GetString() == result.Rule, $"expected rule {rule.GetString()}\n{context}");
        }

        Assert.False(result.TimedOut, context);
    }

    [Theory]
    [MemberData(nameof(ExtractionCases))]
    public void ExtractsAsRecorded(string file, int line)
    {
        var c = Load(file, line);
        var completion = c.GetProperty("completion").GetString()!;
        var expected = c.GetProperty("answer").GetString()!;
        var style = c.TryGetProperty("style", out var s) ? s.GetString() : "strict";
        var (answer, rule) = style switch
        {
            "zg" => (Grader.StripString(AnswerExtractor.ExtractZg(completion)), "zg"),
            "zg-choice" => (AnswerExtractor.ExtractZg(completion, multipleChoice: true), "zg"),
            "choice" => AnswerExtractor.ExtractChoice(completion) is var e ? (e.Answer, e.Rule) : default,
            _ => AnswerExtractor.Extract(completion) is var x ? (x.Answer, x.Rule) : default,
        };
        Assert.True(expected == answer, $"{file}:{line}: expected [{expected}] got [{answer}] (rule {rule})");
        if (c.TryGetProperty("rule", out var r))
        {
            Assert.Equal(r.GetString(), rule);
        }
    }
}
