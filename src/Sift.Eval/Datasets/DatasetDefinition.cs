using System.Text.Json.Nodes;

namespace Sift.Eval.Datasets;

/// <summary>How the harness phrases the few-shot context for a problem.</summary>
internal enum ContextStyle
{
    /// <summary><c>Question: {q}\nAnswer:</c> (GSM8K family).</summary>
    QuestionAnswer,

    /// <summary><c>Problem:\n{q}\nSolution:</c> (MATH family and multiple choice).</summary>
    ProblemSolution,
}

/// <summary>
/// Everything Sift needs to know about one benchmark: where its file usually is, how to read the question and the
/// gold answer from a record (strict and harness-compatible), which prompts to use and how answers are extracted.
/// Adding a dataset is adding one of these to <see cref="DatasetRegistry"/>.
/// </summary>
internal sealed record DatasetDefinition
{
    /// <summary>Name used on the command line.</summary>
    public required string Name { get; init; }

    /// <summary>Other accepted names (e.g. the harness's own data names).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>One line for listings.</summary>
    public required string Description { get; init; }

    /// <summary>Candidate files relative to <c>shared/data</c>; the first that exists is the default.</summary>
    public required IReadOnlyList<string> DefaultFiles { get; init; }

    /// <summary>The Hugging Face dataset repository the benchmark is published in (null when none publishes it in a form this definition reads).</summary>
    public HubDataSource? Hub { get; init; }

    /// <summary>Why there is no <see cref="Hub"/> source, for listings and errors.</summary>
    public string? NoHubReason { get; init; }

    /// <summary>Number of records in the released test file (informational; checked by tests on the shared data).</summary>
    public int ExpectedCount { get; init; }

    /// <summary>The harness's <c>parse_question</c> (before the "(True or False)" suffix and the final strip).</summary>
    public required Func<JsonObject, string> Question { get; init; }

    /// <summary>The gold answer as the dataset states it.</summary>
    public required Func<JsonObject, string> Gold { get; init; }

    /// <summary>The gold the harness compares against: <c>parse_ground_truth</c> and every <c>strip_string</c> it applies.</summary>
    public required Func<JsonObject, string> CompatGold { get; init; }

    /// <summary>
    /// The harness's <c>evaluate()</c> re-extracts this dataset's gold from a graded row's <c>gt_cot</c> (math, ocw)
    /// instead of stripping its <c>gt</c> once more.
    /// </summary>
    public bool CompatGoldFromCot { get; init; }

    /// <summary>Answers are letters A–E.</summary>
    public bool MultipleChoice { get; init; }

    /// <summary>Embedded few-shot file for <c>cot</c> (e.g. <c>cot/gsm8k</c>), or null for the harness's zero-shot fallback.</summary>
    public string? CotPrompt { get; init; }

    /// <summary>How the <c>cot</c> context is phrased.</summary>
    public ContextStyle CotContext { get; init; } = ContextStyle.QuestionAnswer;

    /// <summary>Embedded few-shot file for <c>pal</c>, or null when program-aided prompting does not apply.</summary>
    public string? PalPrompt { get; init; }

    /// <summary>Embedded few-shot file for <c>tool</c> (ToRA), or null when it does not apply.</summary>
    public string? ToolPrompt { get; init; }

    /// <summary>Subject/type of a record, for breakdowns.</summary>
    public Func<JsonObject, string?>? Subject { get; init; }

    /// <summary>Difficulty level of a record, for breakdowns.</summary>
    public Func<JsonObject, string?>? Level { get; init; }

    /// <summary>Every name this definition answers to.</summary>
    public IEnumerable<string> Names => [Name, .. Aliases];
}
