using System.Text.Json.Nodes;
using Sift.Eval.Reporting;
using Sift.Rewards.Steps;

namespace Sift.Rewards.Labels;

/// <summary>The record layouts <c>sift rm label</c> writes.</summary>
internal enum LabelFormat
{
    /// <summary>RLHFlow's PRM training conversation: a user turn per step (the first is question + " " + step), the assistant answering "+" or "-".</summary>
    RlhFlow,

    /// <summary>A PRM800K record: one rated completion per step (+1 / −1), chosen.</summary>
    Prm800k,

    /// <summary>Math-Shepherd's <c>input</c> / <c>label</c> pair: steps ending with " ки", and the same text with + or −.</summary>
    MathShepherd,
}

/// <summary>Writes one labelled solution as a JSONL line; every layout also carries the soft labels and their counts.</summary>
internal static class LabelRecord
{
    /// <summary>Parses --format.</summary>
    public static LabelFormat Parse(string name) => name switch
    {
        "rlhflow" => LabelFormat.RlhFlow,
        "prm800k" => LabelFormat.Prm800k,
        "math-shepherd" => LabelFormat.MathShepherd,
        _ => throw new Core.SiftException($"--format: unknown '{name}'; expected rlhflow, prm800k or math-shepherd"),
    };

    /// <summary>The name --format takes.</summary>
    public static string Name(LabelFormat f) => f switch
    {
        LabelFormat.RlhFlow => "rlhflow",
        LabelFormat.Prm800k => "prm800k",
        _ => "math-shepherd",
    };

    /// <summary>The record of <paramref name="p"/> labelled <paramref name="l"/>.</summary>
    public static string Write(LabelFormat format, LabelProblem p, StepLabels l)
    {
        var o = format switch
        {
            LabelFormat.RlhFlow => RlhFlow(p, l),
            LabelFormat.Prm800k => Prm800k(p, l),
            _ => MathShepherd(p, l),
        };
        o["soft_labels"] = new JsonArray(l.Soft.Select(s => (JsonNode)Math.Round(s, 6)).ToArray());
        o["correct_completions"] = new JsonArray(l.Correct.Select(c => (JsonNode)c).ToArray());
        o["completions"] = new JsonArray(l.Completions.Select(c => (JsonNode)c).ToArray());
        return o.ToJsonString(EvalJson.Line);
    }

    private static string Sign(bool good) => good ? "+" : "-";

    private static JsonObject RlhFlow(LabelProblem p, StepLabels l)
    {
        var turns = new JsonArray();
        for (int i = 0; i < p.Steps.Length; i++)
        {
            turns.Add(new JsonObject { ["role"] = "user", ["content"] = i == 0 ? p.Question + " " + p.Steps[0] : p.Steps[i] });
            turns.Add(new JsonObject { ["role"] = "assistant", ["content"] = Sign(l.Hard[i]) });
        }
        return new JsonObject { ["conversations"] = turns, ["gold"] = p.Gold };
    }

    private static JsonObject Prm800k(LabelProblem p, StepLabels l)
    {
        var steps = new JsonArray();
        for (int i = 0; i < p.Steps.Length; i++)
        {
            var completion = new JsonObject { ["text"] = p.Steps[i], ["rating"] = l.Hard[i] ? 1 : -1, ["flagged"] = false };
            steps.Add(new JsonObject { ["completions"] = new JsonArray(completion), ["human_completion"] = null, ["chosen_completion"] = 0 });
        }
        return new JsonObject
        {
            ["labeler"] = "sift-rm-label",
            ["question"] = new JsonObject { ["problem"] = p.Question, ["ground_truth_answer"] = p.Gold },
            ["label"] = new JsonObject { ["steps"] = steps, ["total_time"] = null, ["finish_reason"] = l.Hard.All(h => h) ? "solution" : "found_error" },
        };
    }

    private static JsonObject MathShepherd(LabelProblem p, StepLabels l)
    {
        string Join(Func<int, string> end) => p.Question + " " + string.Join("\n", p.Steps.Select((s, i) => s + " " + end(i)));
        return new JsonObject
        {
            ["input"] = Join(_ => StepSplitter.ShepherdTag),
            ["label"] = Join(i => Sign(l.Hard[i])),
            ["gold"] = p.Gold,
        };
    }
}
