using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Rewards.Steps;

namespace Sift.Rewards.Labels;

/// <summary>One solution to label: its question, gold answer and steps (in order).</summary>
/// <param name="Line">1-based line number in the input.</param>
/// <param name="Question">The question.</param>
/// <param name="Gold">The gold final answer.</param>
/// <param name="Steps">The solution's steps, trimmed, none empty.</param>
internal sealed record LabelProblem(int Line, string Question, string Gold, string[] Steps);

/// <summary>
/// Reads the input of <c>sift rm label</c>, one solution per JSONL line, in one of two shapes:
/// <list type="bullet">
/// <item>a samples line: <c>question</c>, <c>completion</c> (split into steps on the separator; text with Math-Shepherd's
/// <c>ки</c> tags splits on the tag) or <c>steps</c> (a list of strings), and the gold answer in <c>gold</c> (the
/// samples.jsonl of <c>sift eval</c>) or the field named by <c>--gold-field</c>;</item>
/// <item>a PRM800K record (<c>question</c> is an object): <c>question.problem</c>, <c>question.ground_truth_answer</c>,
/// and the trajectory of <c>label.steps</c> (each step's chosen completion, else its human completion; a step with
/// neither and one rated completion, as phase 2 ends at a found error, contributes that completion and ends the
/// trajectory), or <c>question.pre_generated_steps</c> without labels.</item>
/// </list>
/// A line that cannot be used yields an error naming the field, never an exception.
/// </summary>
internal static class LabelInput
{
    /// <summary>Parses one line: the problem, or why it cannot be labelled ("field \"gold\": missing …").</summary>
    public static (LabelProblem? Problem, string? Error) Parse(int line, string text, string goldField, string? separator)
    {
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException ex)
        {
            return (null, "invalid JSON: " + ex.Message);
        }
        if (o is null)
        {
            return (null, "expected a JSON object (a samples line with \"question\", \"completion\" and a gold answer, or a PRM800K record)");
        }
        return o["question"] is JsonObject q ? Prm800k(line, o, q) : Samples(line, o, goldField, separator);
    }

    /// <summary>The separator a completion is split on: the one given, else the tag when the text has it, else blank lines.</summary>
    public static string SeparatorFor(string completion, string? separator) =>
        separator ?? (completion.Contains(StepSplitter.ShepherdTag, StringComparison.Ordinal) ? StepSplitter.ShepherdTag : StepSplitter.BlankLine);

    private static (LabelProblem?, string?) Samples(int line, JsonObject o, string goldField, string? separator)
    {
        if (Str(o["question"]) is not { } question)
        {
            return (null, Missing(o, "question", "a string"));
        }
        if (Answer(o[goldField]) is not { } gold)
        {
            return (null, Missing(o, goldField, "the gold answer as a string or number"));
        }
        string[] steps;
        if (o["steps"] is JsonArray arr)
        {
            var list = new List<string>();
            for (int i = 0; i < arr.Count; i++)
            {
                if (Str(arr[i]) is not { } s)
                {
                    return (null, $"field \"steps[{i}]\": expected a string");
                }
                if (s.Trim().Length > 0)
                {
                    list.Add(s.Trim());
                }
            }
            steps = [.. list];
            if (steps.Length == 0)
            {
                return (null, "field \"steps\": no non-empty step");
            }
        }
        else if (Str(o["completion"]) is { } completion)
        {
            steps = [.. StepSplitter.Split(completion, SeparatorFor(completion, separator))];
            if (steps.Length == 0)
            {
                return (null, "field \"completion\": no steps (the text is empty)");
            }
        }
        else
        {
            return (null, o.ContainsKey("completion") ? Missing(o, "completion", "a string") : "field \"completion\": missing (expected the solution as a string, or \"steps\" as a list of strings)");
        }
        return (new LabelProblem(line, question, gold, steps), null);
    }

    private static (LabelProblem?, string?) Prm800k(int line, JsonObject o, JsonObject q)
    {
        if (Str(q["problem"]) is not { } problem)
        {
            return (null, Missing(q, "problem", "a string", "question."));
        }
        if (Answer(q["ground_truth_answer"]) is not { } gold)
        {
            return (null, Missing(q, "ground_truth_answer", "the gold answer as a string", "question."));
        }
        var steps = new List<string>();
        if (o["label"] is JsonObject label && label["steps"] is JsonArray ls)
        {
            for (int i = 0; i < ls.Count; i++)
            {
                if (ls[i] is not JsonObject st)
                {
                    return (null, $"field \"label.steps[{i}]\": expected an object");
                }
                var completions = st["completions"] as JsonArray;
                string? text = null;
                bool last = false;
                if (st["chosen_completion"] is JsonValue cv && cv.TryGetValue(out int chosen))
                {
                    if (completions is null || chosen < 0 || chosen >= completions.Count)
                    {
                        return (null, $"field \"label.steps[{i}].chosen_completion\": {chosen} is not an index of completions");
                    }
                    text = Str(completions[chosen]?["text"]);
                }
                else if (st["human_completion"] is { } human && human.GetValueKind() != JsonValueKind.Null)
                {
                    text = Str(human) ?? Str(human["text"]);
                }
                else if (completions is { Count: 1 })
                {
                    text = Str(completions[0]?["text"]);
                    last = true;
                }
                else
                {
                    break; // no step was chosen here: the trajectory ends
                }
                if (text is null)
                {
                    return (null, $"field \"label.steps[{i}]\": the chosen step has no \"text\" string");
                }
                if (text.Trim().Length > 0)
                {
                    steps.Add(text.Trim());
                }
                if (last)
                {
                    break;
                }
            }
        }
        else if (q["pre_generated_steps"] is JsonArray pre)
        {
            steps.AddRange(pre.Select(Str).Where(s => s is { Length: > 0 }).Select(s => s!.Trim()).Where(s => s.Length > 0));
        }
        if (steps.Count == 0)
        {
            return (null, "field \"label.steps\": no steps (and no question.pre_generated_steps)");
        }
        return (new LabelProblem(line, problem, gold, [.. steps]), null);
    }

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static string? Answer(JsonNode? n) => n is JsonValue v
        ? v.TryGetValue(out string? s) ? (s.Trim().Length > 0 ? s : null) : v.GetValueKind() == JsonValueKind.Number ? v.ToJsonString() : null
        : null;

    private static string Missing(JsonObject o, string key, string expected, string prefix = "") =>
        o.ContainsKey(key) && o[key] is not null
            ? $"field \"{prefix}{key}\": expected {expected}, got {(o[key] is JsonValue v && v.TryGetValue(out string? _) ? "an empty string" : o[key]!.GetValueKind().ToString().ToLowerInvariant())}"
            : $"field \"{prefix}{key}\": missing (expected {expected})";
}
