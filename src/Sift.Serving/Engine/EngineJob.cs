using System.Diagnostics;
using System.Threading.Channels;
using Sift.Engine.Inference;

namespace Sift.Serving.Engine;

/// <summary>A token and its log-probability.</summary>
/// <param name="Token">Token id.</param>
/// <param name="Logprob">log p under the raw (temperature 1) distribution.</param>
public readonly record struct TokenLogprob(int Token, float Logprob);

/// <summary>Something the engine reports about a job: a generated token, or the end.</summary>
/// <param name="Token">Generated id (−1 on the final event).</param>
/// <param name="Logprob">Its log p.</param>
/// <param name="Rank">Its rank in the distribution (1 = most likely), when asked for.</param>
/// <param name="Top">The most likely alternatives, when asked for.</param>
/// <param name="Finish">null for a token; "stop", "length", "cancelled" or "error" at the end.</param>
public readonly record struct EngineEvent(int Token, float Logprob, int Rank, TokenLogprob[]? Top, string? Finish);

/// <summary>Prompt-token scores: Logprobs[0] is NaN (no context), Logprobs[i] = log p(prompt[i] | prompt[..i]).</summary>
/// <param name="Logprobs">Per prompt token.</param>
/// <param name="Ranks">Rank of each prompt token (0 for the first).</param>
/// <param name="Top">Alternatives per position (null at 0), when asked for.</param>
public sealed record PromptScores(float[] Logprobs, int[] Ranks, TokenLogprob[]?[]? Top);

/// <summary>
/// One sequence for the batch engine: a prompt, how to continue it, and the channel its tokens arrive on.
/// Written by the engine thread, read by one request handler.
/// </summary>
public sealed class EngineJob
{
    private readonly Channel<EngineEvent> _events = Channel.CreateUnbounded<EngineEvent>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = true,
    });

    private volatile bool _cancelled;

    /// <summary>Prompt ids (validated against the vocabulary and the context).</summary>
    public required int[] Prompt { get; init; }

    /// <summary>Most tokens to generate; 0 computes only the prompt (echo scoring).</summary>
    public required int MaxTokens { get; init; }

    /// <summary>Sampling settings.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>This sequence's seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Ids that end generation (not emitted), e.g. EOS.</summary>
    public IReadOnlyCollection<int> StopTokens { get; init; } = [];

    /// <summary>−1: no prompt scores; k ≥ 0: prompt logprobs with k alternatives per position.</summary>
    public int PromptLogprobs { get; init; } = -1;

    /// <summary>Alternatives to report per generated token (0 = none).</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Compute each generated token's rank (costs one pass over the vocabulary).</summary>
    public bool WantRank { get; init; }

    /// <summary>Prompt scores (set by the engine before the first event when asked for).</summary>
    public PromptScores? PromptScores { get; internal set; }

    /// <summary>Stopwatch timestamps: queued, first engine work, finished.</summary>
    public long QueuedAt { get; internal set; }

    /// <summary>When the engine started the prefill.</summary>
    public long StartedAt { get; internal set; }

    /// <summary>When the engine finished the job.</summary>
    public long FinishedAt { get; internal set; }

    /// <summary>The events, ending with one whose Finish is set.</summary>
    public ChannelReader<EngineEvent> Events => _events.Reader;

    /// <summary>True once the reader no longer wants tokens (stop string, client gone, shutdown).</summary>
    public bool IsCancelled => _cancelled;

    /// <summary>Asks the engine to drop the job at its next step.</summary>
    public void Cancel() => _cancelled = true;

    internal void Emit(in EngineEvent e) => _events.Writer.TryWrite(e);

    internal void Finish(string reason)
    {
        FinishedAt = Stopwatch.GetTimestamp();
        _events.Writer.TryWrite(new EngineEvent(-1, 0, 0, null, reason));
        _events.Writer.TryComplete();
    }
}
