using System.Text.Json;
using Sift.Core;
using Sift.Grading.Extraction;

namespace Sift.Pipelines.SelfTrain;

/// <summary>One problem of a self-training loop.</summary>
/// <param name="Index">0-based position among the file's problems (blank lines skipped).</param>
/// <param name="Id">The record's <c>id</c> or <c>idx</c>, else "line:N".</param>
/// <param name="Line">1-based line in the file.</param>
/// <param name="Question">The question.</param>
/// <param name="Gold">The gold final answer samples are graded against.</param>
/// <param name="Solution">The teacher's worked solution, when the file has one (Orca-Math puts it among the positives).</param>
internal sealed record SelfTrainProblem(int Index, string Id, int Line, string Question, string Gold, string? Solution);

/// <summary>
/// Reads a problems JSONL. Accepted fields: the question in <c>question</c> (or <c>problem</c>); the teacher solution in
/// <c>solution</c>, or in <c>answer</c> when that holds a GSM8K-style solution ending in "#### final" (Orca-Math's and
/// GSM8K's layout); the gold final answer in <c>answer</c> (the text after "####" for a GSM8K-style one), else the answer
/// the solution marks with "####" or <c>\boxed{}</c>. A problem without a question or a gold answer is an error naming
/// file:line and the field.
/// </summary>
internal static class SelfTrainProblems
{
    /// <summary>Every problem of <paramref name="path"/>, in file order.</summary>
    public static List<SelfTrainProblem> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: problems file not found");
        }
        var list = new List<SelfTrainProblem>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            list.Add(Parse(text, $"{path}:{line}", list.Count, line));
        }
        if (list.Count == 0)
        {
            throw new SiftException($"{path}: no problems (expected one JSON object per line with \"question\" and \"answer\" or \"solution\")");
        }
        return list;
    }

    /// <summary>Parses one line; errors name <paramref name="where"/> (file:line) and the field.</summary>
    public static SelfTrainProblem Parse(string json, string where, int index, int line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{where}: bad JSON: {ex.Message}", ex);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{where}: expected a JSON object with \"question\" and \"answer\" or \"solution\"");
            }
            string question = Text(root, "question", where) ?? Text(root, "problem", where)
                ?? throw new SiftException($"{where}: missing field \"question\" (or \"problem\"): the problem's text");
            string? answer = Text(root, "answer", where);
            string? solution = Text(root, "solution", where);
            if (solution is null && answer is not null && answer.Contains("####", StringComparison.Ordinal))
            {
                solution = answer;
            }
            string? gold = answer is not null
                ? (answer.Contains("####", StringComparison.Ordinal) ? AnswerExtractor.ExtractGsm8kGold(answer) : answer.Trim())
                : solution is not null ? Marked(solution) : null;
            if (string.IsNullOrWhiteSpace(gold))
            {
                throw new SiftException(solution is null
                    ? $"{where}: missing field \"answer\": the gold final answer (or a \"solution\" that marks it with #### or \\boxed{{}})"
                    : $"{where}: missing field \"answer\", and field \"solution\" marks no final answer (#### or \\boxed{{}}); samples cannot be graded without a gold answer");
            }
            string id = Text(root, "id", where) ?? Text(root, "idx", where) ?? $"line:{line}";
            return new SelfTrainProblem(index, id, line, question, gold, solution);
        }
    }

    private static string? Marked(string solution)
    {
        if (solution.Contains("####", StringComparison.Ordinal))
        {
            return AnswerExtractor.ExtractGsm8kGold(solution);
        }
        var ex = AnswerExtractor.Extract(solution, numberFallback: false);
        return ex.Rule == "boxed" ? ex.Answer : null;
    }

    private static string? Text(JsonElement root, string field, string where)
    {
        if (!root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => throw new SiftException($"{where}: field \"{field}\" is {v.ValueKind.ToString().ToLowerInvariant()}, expected a string or a number"),
        };
    }
}
