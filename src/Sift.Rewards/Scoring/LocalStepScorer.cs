using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Inference;

namespace Sift.Rewards.Scoring;

/// <summary>
/// Reward-model scoring on the local engine: each prompt is one prefill of the whole sequence through the KV-cache
/// session (every step of a solution in one forward pass, since attention is causal), and the logits of the label
/// tokens are read at each step's row as the prefill hands the rows over (two rows of the LM head, not all of it).
/// </summary>
internal sealed class LocalStepScorer : IStepScorer
{
    private readonly InferenceSession _session;

    /// <summary>Creates the session; <paramref name="maxRows"/> bounds the rows of one forward call (longer prompts run in chunks).</summary>
    public LocalStepScorer(LoadedModel model, int maxRows = 512)
        : this(model.Model, model.Compute, model.Directory, maxRows)
    {
    }

    /// <summary>Over bare weights (the benchmark).</summary>
    public LocalStepScorer(LlamaModel model, Compute compute, string identity, int maxRows = 512)
    {
        model.Config.RequireCausalLm("reward scoring by label tokens");
        Identity = identity;
        MaxTokens = model.Config.MaxPositionEmbeddings;
        _session = new InferenceSession(model, 1, MaxTokens, compute, maxRows: Math.Max(1, Math.Min(maxRows, MaxTokens)));
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <inheritdoc />
    public int MaxTokens { get; }

    /// <inheritdoc />
    public Task ScoreAsync(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel)
    {
        for (int i = 0; i < prompts.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            onDone(i, Score(prompts[i], labels));
        }
        return Task.CompletedTask;
    }

    /// <summary>One prompt's label logits.</summary>
    public StepReadout Score(RmPrompt p, LabelTokens labels)
    {
        int[] rows = p.Rows;
        var good = new double?[rows.Length];
        var bad = new double?[rows.Length];
        int next = 0;
        _session.Reset(0);
        // Only the two label logits are read, so the vocabulary projection is skipped (forward cost minus the LM head).
        _session.PrefillHidden(0, p.Tokens, (i, hidden) =>
        {
            while (next < rows.Length && rows[next] == i)
            {
                good[next] = _session.TokenLogit(hidden, labels.Good);
                bad[next] = _session.TokenLogit(hidden, labels.Bad);
                next++;
            }
        });
        if (next != rows.Length)
        {
            throw new InvalidOperationException($"rows [{string.Join(", ", rows)}] are not ascending positions below {p.Tokens.Length}");
        }
        return new StepReadout(good, bad);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
