using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Grading;

namespace Sift.Eval.Samples;

/// <summary>One program run inside a completion (PAL or tool-integrated).</summary>
/// <param name="Program">The program that was run.</param>
/// <param name="Result">Its result (stdout, or PAL's <c>str(solution())</c>), "" on failure.</param>
/// <param name="Report"><c>Done</c> or the harness-style error line.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
internal sealed record ExecutionRecord(string Program, string Result, string Report, double Seconds);

/// <summary>
/// One line of <c>samples.jsonl</c>: a single completion of one problem with everything needed to audit or
/// re-grade it. The prompt is stored on the first line written for each problem (not repeated per sample).
/// </summary>
internal sealed record SampleRecord
{
    /// <summary>Problem idx.</summary>
    public required int Idx { get; init; }

    /// <summary>Sample number within the problem (0 = the one <c>accuracy</c> uses).</summary>
    public required int Sample { get; init; }

    /// <summary>Sampling seed of this completion.</summary>
    public ulong Seed { get; init; }

    /// <summary>The question.</summary>
    public string Question { get; init; } = "";

    /// <summary>The dataset's gold answer (strict grading).</summary>
    public required string Gold { get; init; }

    /// <summary>The harness's gold (compat grading).</summary>
    public required string GoldCompat { get; init; }

    /// <summary>Subject/type, when the dataset has one.</summary>
    public string? Subject { get; init; }

    /// <summary>Level, when the dataset has one.</summary>
    public string? Level { get; init; }

    /// <summary>The full prompt (first line of each problem only).</summary>
    public string? Prompt { get; init; }

    /// <summary>Everything the model wrote after the prompt (for tool-integrated runs, with the ```output blocks fed back).</summary>
    public required string Completion { get; init; }

    /// <summary>PAL's program result (the answer), when the prompt is PAL.</summary>
    public string? ProgramResult { get; init; }

    /// <summary>Programs run along the way.</summary>
    public IReadOnlyList<ExecutionRecord> Executions { get; init; } = [];

    /// <summary>Why generation stopped (<c>stop</c>, <c>length</c>; the last round's for tool runs).</summary>
    public string? FinishReason { get; init; }

    /// <summary>Prompt tokens (first round).</summary>
    public int PromptTokens { get; init; }

    /// <summary>Generated tokens (all rounds).</summary>
    public int CompletionTokens { get; init; }

    /// <summary>Generation rounds (tool-integrated: up to the round limit).</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Wall-clock seconds from the request being sent to the completion being graded.</summary>
    public double Seconds { get; init; }

    /// <summary>A per-sample score (reward model), when one was attached.</summary>
    public double? Score { get; init; }

    /// <summary>Strict verdict.</summary>
    public required Verdict Strict { get; init; }

    /// <summary>Compat verdict.</summary>
    public required Verdict Compat { get; init; }

    /// <summary>One JSON line (no newline).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["idx"] = Idx,
            ["sample"] = Sample,
            ["seed"] = Seed,
            ["question"] = Question,
            ["gold"] = Gold,
            ["gold_compat"] = GoldCompat,
        };
        if (Subject is not null)
        {
            o["subject"] = Subject;
        }
        if (Level is not null)
        {
            o["level"] = Level;
        }
        if (Prompt is not null)
        {
            o["prompt"] = Prompt;
        }
        o["completion"] = Completion;
        if (ProgramResult is not null)
        {
            o["program_result"] = ProgramResult;
        }
        if (Executions.Count > 0)
        {
            o["executions"] = new JsonArray(Executions.Select(e => (JsonNode)new JsonObject
            {
                ["program"] = e.Program,
                ["result"] = e.Result,
                ["report"] = e.Report,
                ["seconds"] = Math.Round(e.Seconds, 4),
            }).ToArray());
        }
        o["finish_reason"] = FinishReason;
        o["prompt_tokens"] = PromptTokens;
        o["completion_tokens"] = CompletionTokens;
        o["rounds"] = Rounds;
        o["seconds"] = Math.Round(Seconds, 4);
        if (Score is double sc)
        {
            o["score"] = sc;
        }
        o["strict"] = VerdictJson(Strict);
        o["compat"] = VerdictJson(Compat);
        return o.ToJsonString(Reporting.EvalJson.Line);
    }

    /// <summary>Reads a line written by <see cref="ToJson"/>; errors name the field.</summary>
    public static SampleRecord FromJson(JsonObject o)
    {
        static string S(JsonObject o, string k) => o[k] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new SiftException($"missing \"{k}\" (a string)");
        static string? OptS(JsonObject o, string k) => o[k] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        static int I(JsonObject o, string k) => o[k] is JsonValue v && v.TryGetValue(out int i) ? i : throw new SiftException($"missing \"{k}\" (an integer)");
        static int OptI(JsonObject o, string k, int d) => o[k] is JsonValue v && v.TryGetValue(out int i) ? i : d;
        static double OptD(JsonObject o, string k) => o[k] is JsonValue v && v.TryGetValue(out double d) ? d : 0;
        return new SampleRecord
        {
            Idx = I(o, "idx"),
            Sample = I(o, "sample"),
            Seed = o["seed"] is JsonValue sv && sv.TryGetValue(out ulong seed) ? seed : 0,
            Question = OptS(o, "question") ?? "",
            Gold = S(o, "gold"),
            GoldCompat = S(o, "gold_compat"),
            Subject = OptS(o, "subject"),
            Level = OptS(o, "level"),
            Prompt = OptS(o, "prompt"),
            Completion = S(o, "completion"),
            ProgramResult = OptS(o, "program_result"),
            Executions = o["executions"] is JsonArray arr
                ? arr.OfType<JsonObject>().Select(e => new ExecutionRecord(OptS(e, "program") ?? "", OptS(e, "result") ?? "", OptS(e, "report") ?? "", OptD(e, "seconds"))).ToList()
                : [],
            FinishReason = OptS(o, "finish_reason"),
            PromptTokens = OptI(o, "prompt_tokens", 0),
            CompletionTokens = OptI(o, "completion_tokens", 0),
            Rounds = OptI(o, "rounds", 1),
            Seconds = OptD(o, "seconds"),
            Score = o["score"] is JsonValue scv && scv.TryGetValue(out double score) ? score : null,
            Strict = ReadVerdict(o["strict"], "strict"),
            Compat = ReadVerdict(o["compat"], "compat"),
        };
    }

    private static JsonObject VerdictJson(Verdict v)
    {
        var o = new JsonObject { ["answer"] = v.Answer, ["correct"] = v.Correct, ["rule"] = v.Rule };
        if (v.TimedOut)
        {
            o["timed_out"] = true;
        }
        return o;
    }

    private static Verdict ReadVerdict(JsonNode? node, string name)
    {
        if (node is not JsonObject v)
        {
            throw new SiftException($"missing \"{name}\" (the verdict object)");
        }
        return new Verdict(
            v["answer"] is JsonValue a && a.TryGetValue(out string? ans) ? ans : "",
            v["correct"] is JsonValue c && c.TryGetValue(out bool ok) && ok,
            v["rule"] is JsonValue r && r.TryGetValue(out string? rule) ? rule : "",
            v["timed_out"] is JsonValue t && t.TryGetValue(out bool to) && to);
    }
}
