using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Curation.Mutation;

/// <summary>Settings of <c>sift synth mutate</c>.</summary>
internal sealed record MutationOptions
{
    /// <summary>JSONL field with the question (gsm_hard: <c>input</c>).</summary>
    public string QuestionField { get; init; } = "question";

    /// <summary>JSONL field with the program defining <c>solution()</c> (gsm_hard: <c>code</c>); a fenced ```python block in it is taken out.</summary>
    public string ProgramField { get; init; } = "code";

    /// <summary>JSONL field with the item's id (a string or number); null: <c>idx</c> or <c>id</c> when present, else <c>line:N</c>.</summary>
    public string? IdField { get; init; }

    /// <summary>Accepted mutations wanted per source problem.</summary>
    public int PerItem { get; init; } = 3;

    /// <summary>Mutations tried per source problem before giving up on more (0: 8 × <see cref="PerItem"/>).</summary>
    public int MaxAttempts { get; init; }

    /// <summary>Seed: with the same input and options, the same mutations.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Source problems worked on at once (each runs its programs one after another).</summary>
    public int Threads { get; init; } = Math.Min(2, Environment.ProcessorCount);

    /// <summary>Only the first N source problems (null: all).</summary>
    public int? Limit { get; init; }

    /// <summary>Malformed input lines: stop or skip and count.</summary>
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Abort;

    /// <summary>Attempts per item after resolving the default.</summary>
    public int Attempts => MaxAttempts > 0 ? MaxAttempts : 8 * PerItem;

    /// <summary>Throws a <see cref="SiftException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (PerItem < 1 || PerItem > 1000)
        {
            throw new SiftException($"per-item: expected 1 .. 1000, got {PerItem}");
        }
        if (MaxAttempts < 0)
        {
            throw new SiftException($"max-attempts: expected 0 (8 × per-item) or more, got {MaxAttempts}");
        }
        if (Threads < 1)
        {
            throw new SiftException($"threads: expected at least 1, got {Threads}");
        }
        if (Limit is < 0)
        {
            throw new SiftException($"limit: expected 0 or more, got {Limit}");
        }
        if (string.IsNullOrWhiteSpace(QuestionField) || string.IsNullOrWhiteSpace(ProgramField))
        {
            throw new SiftException("question-field and program-field must name JSONL fields");
        }
    }
}

/// <summary>Where a mutated problem came from and how it was made.</summary>
/// <param name="SourceId">The source problem's id.</param>
/// <param name="SourceLine">Its line in the input.</param>
/// <param name="SourceAnswer">What its program returned.</param>
/// <param name="Index">0-based index among the source's accepted mutations.</param>
/// <param name="Attempt">0-based attempt that produced it (the attempt's draws depend only on seed, source id and attempt).</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Mutation">The numbers changed.</param>
internal sealed record MutationProvenance(string SourceId, int SourceLine, string SourceAnswer, int Index, int Attempt, ulong Seed, IReadOnlyList<NumberChange> Mutation);

/// <summary>An accepted mutated problem (one output line).</summary>
/// <param name="Id">"source id/m index".</param>
/// <param name="Question">The question with its numbers changed.</param>
/// <param name="Code">The program with the same numbers changed.</param>
/// <param name="Answer">What the mutated program returns (<c>str(solution())</c>), run in the sandbox.</param>
/// <param name="Provenance">Where it came from.</param>
internal sealed record MutatedProblem(string Id, string Question, string Code, string Answer, MutationProvenance Provenance);

/// <summary>What one finished source problem gave (one line of the state file that makes runs resumable).</summary>
/// <param name="SourceId">The source's id.</param>
/// <param name="Accepted">Mutations written.</param>
/// <param name="Rejected">Rejected attempts by reason.</param>
/// <param name="Skipped">Why the source gave nothing to try (<c>no_linked_numbers</c>, <c>source_failed</c>), or null.</param>
internal sealed record SourceOutcome(string SourceId, int Accepted, IReadOnlyDictionary<string, int> Rejected, string? Skipped);

/// <summary>Counts of a mutation run.</summary>
/// <param name="Input">The input file.</param>
/// <param name="Output">The output file.</param>
/// <param name="Sources">Source problems read (after --limit).</param>
/// <param name="AlreadyDone">Sources finished by an earlier run, skipped.</param>
/// <param name="Processed">Sources worked on in this run.</param>
/// <param name="Accepted">Mutations written in this run.</param>
/// <param name="Rejected">Rejected attempts in this run, by reason.</param>
/// <param name="SkippedSources">Sources with nothing to try in this run, by reason.</param>
/// <param name="ShortSources">Sources of this run with fewer accepted mutations than wanted.</param>
/// <param name="TotalAccepted">Mutations in the output over all runs.</param>
/// <param name="TotalRejected">Rejected attempts over all runs, by reason.</param>
/// <param name="SkippedLines">Malformed input lines skipped.</param>
/// <param name="Seconds">Wall-clock seconds of this run.</param>
internal sealed record MutationSummary(
    string Input, string Output, int Sources, int AlreadyDone, int Processed, int Accepted, IReadOnlyDictionary<string, int> Rejected,
    IReadOnlyDictionary<string, int> SkippedSources, int ShortSources, int TotalAccepted, IReadOnlyDictionary<string, int> TotalRejected,
    int SkippedLines, double Seconds);

/// <summary>Why a source problem gave nothing to try.</summary>
internal static class SkipReason
{
    /// <summary>No number occurs both in the question and (as often) in the program.</summary>
    public const string NoLinkedNumbers = "no_linked_numbers";

    /// <summary>The source program itself fails or does not return a number.</summary>
    public const string SourceFailed = "source_failed";
}
