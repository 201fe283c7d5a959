using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Curation.Agents;

/// <summary>What one `sift synth agents|augment` run does.</summary>
internal sealed record AgentOptions
{
    /// <summary>Which agent.</summary>
    public AgentKind Agent { get; init; } = AgentKind.AskMeAnything;

    /// <summary>Augmentation modes applied to each seed (<see cref="AgentKind.Augment"/>).</summary>
    public IReadOnlyList<AugmentMode> Modes { get; init; } = [AugmentMode.Rephrase];

    /// <summary>Suggester &amp; Editor rounds per seed (Orca-Math: 2), each on the previous round's problem.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Have the solver answer each new problem (always for Suggester &amp; Editor; Ask-Me-Anything checks the solver agrees).</summary>
    public bool Solve { get; init; } = true;

    /// <summary>Orca-Math's answer-length filter: a solution longer than this many characters is dropped.</summary>
    public int MaxAnswerChars { get; init; } = 1800;

    /// <summary>Sampling temperature of every request.</summary>
    public float Temperature { get; init; } = 0.7f;

    /// <summary>Nucleus mass of every request.</summary>
    public float TopP { get; init; } = 0.95f;

    /// <summary>Most tokens per reply.</summary>
    public int MaxTokens { get; init; } = 1024;

    /// <summary>Base of the per-request sampling seeds (each request's seed depends on it, the seed id and the step).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Seed problems worked on at once.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Field with the question.</summary>
    public string QuestionField { get; init; } = "question";

    /// <summary>Field with the seed's answer or solution (needed by Ask-Me-Anything).</summary>
    public string AnswerField { get; init; } = "answer";

    /// <summary>Field with the seed's id (default: idx or id when present, else the line number).</summary>
    public string? IdField { get; init; }

    /// <summary>Only the first N seeds.</summary>
    public int? Limit { get; init; }

    /// <summary>Malformed seed lines: abort or skip (counted and reported).</summary>
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Abort;

    /// <summary>Throws a <see cref="SiftException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Agent == AgentKind.Augment && Modes.Count == 0)
        {
            throw new SiftException($"--modes: give at least one of {string.Join(", ", AgentNames.Modes)}");
        }
        if (Rounds is < 1 or > 10)
        {
            throw new SiftException($"--rounds: expected 1 to 10, got {Rounds}");
        }
        if (MaxAnswerChars < 1)
        {
            throw new SiftException($"--max-answer-chars: expected a positive count, got {MaxAnswerChars}");
        }
        if (!(Temperature >= 0 && Temperature <= 2))
        {
            throw new SiftException($"--temperature: expected 0 to 2, got {Temperature}");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new SiftException($"--top-p: expected above 0 and at most 1, got {TopP}");
        }
        if (MaxTokens < 1)
        {
            throw new SiftException($"--max-tokens: expected a positive count, got {MaxTokens}");
        }
        if (Concurrency is < 1 or > 256)
        {
            throw new SiftException($"--concurrency: expected 1 to 256, got {Concurrency}");
        }
        if (Limit is < 1)
        {
            throw new SiftException($"--limit: expected a positive count, got {Limit}");
        }
    }
}
