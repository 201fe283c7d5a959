using Sift.Eval.Datasets;
using Sift.Eval.Prompts;
using Sift.Grading;

namespace Sift.Pipelines.Evaluation;

/// <summary>Settings of one `sift eval` run over a completion backend.</summary>
internal sealed record EvalRunOptions
{
    /// <summary>The benchmark.</summary>
    public required LoadedDataset Dataset { get; init; }

    /// <summary>How problems become prompts.</summary>
    public required PromptBuilder Prompts { get; init; }

    /// <summary>Run folder (samples.jsonl, run.json, metrics.json, report.md, curves.svg).</summary>
    public required string OutDir { get; init; }

    /// <summary>Completions per problem.</summary>
    public int Samples { get; init; } = 1;

    /// <summary>Sampling temperature (0 = greedy, the harness default).</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus mass (1 = off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Top-k (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Most tokens per generation call (the harness's max_tokens_per_call: 1024).</summary>
    public int MaxTokens { get; init; } = 1024;

    /// <summary>Base seed; each (problem, sample, round) derives its own, so results do not depend on batching or resuming.</summary>
    public ulong Seed { get; init; }

    /// <summary>Only the first N problems (null = all).</summary>
    public int? Limit { get; init; }

    /// <summary>Mode of the headline numbers (both modes are always computed and recorded).</summary>
    public GradeMode Mode { get; init; } = GradeMode.Strict;

    /// <summary>Grader options (time budget per comparison, ...).</summary>
    public GradeOptions Grading { get; init; } = GradeOptions.Default;

    /// <summary>Tool-integrated: most generation rounds (the harness's max_func_call: 4).</summary>
    public int MaxRounds { get; init; } = 4;

    /// <summary>Prompts handed to the backend per call (bounds memory and lets progress and cancellation act between calls).</summary>
    public int Chunk { get; init; } = 64;

    /// <summary>Random subsets per N for the scaling curves.</summary>
    public int CurveTrials { get; init; } = 400;

    /// <summary>What to do with malformed lines in an existing samples.jsonl.</summary>
    public BadLinePolicy BadLines { get; init; } = BadLinePolicy.Abort;
}
