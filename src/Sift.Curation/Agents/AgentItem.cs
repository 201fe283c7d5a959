namespace Sift.Curation.Agents;

/// <summary>One generated problem, one output line.</summary>
/// <param name="Id">Seed id, agent step and index: <c>{seed}/ama0</c>, <c>{seed}/se1</c> (round 1), <c>{seed}/rephrase0</c>.</param>
/// <param name="Question">The new problem.</param>
/// <param name="Answer">The solver's solution (Ask-Me-Anything without the solver: the number the agent gave), or null when not solved.</param>
/// <param name="FinalAnswer">The final answer extracted from <paramref name="Answer"/> (Sift's extractor), or null.</param>
/// <param name="Provenance">Where it came from.</param>
internal sealed record AgentItem(string Id, string Question, string? Answer, string? FinalAnswer, AgentProvenance Provenance);

/// <summary>Where a generated problem came from.</summary>
/// <param name="SeedId">The seed problem's id.</param>
/// <param name="SeedLine">Its 1-based line in the seed file.</param>
/// <param name="Agent">ask-me-anything, suggester-editor or augment.</param>
/// <param name="Mode">The augmentation mode (augment only).</param>
/// <param name="Round">Suggester &amp; Editor round (1-based; 1 for the other agents).</param>
/// <param name="PromptSha256">SHA-256 (hex) of the request that wrote the question: its messages and sampling settings as sent.</param>
/// <param name="Model">The model that answered (as the backend reported it).</param>
/// <param name="Seed">The sampling seed of that request.</param>
/// <param name="Index">The item's index among those kept from its seed.</param>
internal sealed record AgentProvenance(string SeedId, int SeedLine, string Agent, string? Mode, int Round, string PromptSha256, string Model, long Seed, int Index);

/// <summary>One finished seed (a line of <c>OUT.state.jsonl</c>): how many items it gave and why others were rejected.</summary>
internal sealed record AgentSeedOutcome(string SeedId, int Written, Dictionary<string, int> Rejected);

/// <summary>The reasons a reply or item is rejected (counted per run and per seed).</summary>
internal static class AgentReject
{
    public const string InvalidJson = "invalid_json";
    public const string MissingQuestion = "missing_question";
    public const string MissingAnswer = "missing_answer";
    public const string AnswerNotANumber = "answer_not_a_number";
    public const string AnswerNotInStatement = "answer_not_in_statement";
    public const string SolverDisagrees = "solver_disagrees";
    public const string NoFinalAnswer = "no_final_answer";
    public const string AnswerTooLong = "answer_too_long";
    public const string Truncated = "truncated";
    public const string Unchanged = "unchanged";
    public const string Duplicate = "duplicate";

    public static IReadOnlyList<string> All { get; } =
        [InvalidJson, MissingQuestion, MissingAnswer, AnswerNotANumber, AnswerNotInStatement, SolverDisagrees, NoFinalAnswer, AnswerTooLong, Truncated, Unchanged, Duplicate];
}

/// <summary>What a run did.</summary>
internal sealed record AgentSummary(
    string Input,
    string Output,
    string Agent,
    string Model,
    int Seeds,
    int AlreadyDone,
    int Processed,
    int Written,
    Dictionary<string, int> Rejected,
    IReadOnlyList<string> RejectionExamples,
    int TotalWritten,
    int Requests,
    long PromptTokens,
    long CompletionTokens,
    int SkippedLines,
    double Seconds);
