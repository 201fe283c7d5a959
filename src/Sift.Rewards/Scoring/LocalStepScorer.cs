using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Inference;

namespace Sift.Rewards.Scoring;

/// <summary>
/// Reward-model scoring on the local engine: every step of a solution in one pass (attention is causal), and the
/// prompts of a call packed together, rows of several solutions in each forward call of the KV-cache session (no
/// padding; a prompt longer than a call's rows spreads over calls). The logits of the label tokens are read at each
/// step's row from the final hidden state (two rows of the LM head, not all of it).
/// </summary>
internal sealed class LocalStepScorer : IStepScorer
{
    /// <summary>Rows of one forward call by default: enough that the GEMMs run at batched speed.</summary>
    public const int DefaultMaxRows = 8192;

    private readonly InferenceSession _session;

    /// <summary>Creates the session; <paramref name="maxRows"/> bounds the rows of one forward call (longer prompts run in chunks).</summary>
    public LocalStepScorer(LoadedModel model, int maxRows = DefaultMaxRows, int slots = 0)
        : this(model.Model, model.Compute, model.Directory, maxRows, slots)
    {
    }

    /// <summary>
    /// Over bare weights (the benchmark). <paramref name="slots"/> (0: one per 32 rows) is how many prompts can be in
    /// flight at once; each holds a KV cache as long as its prompt.
    /// </summary>
    public LocalStepScorer(LlamaModel model, Compute compute, string identity, int maxRows = DefaultMaxRows, int slots = 0)
    {
        model.Config.RequireCausalLm("reward scoring by label tokens");
        Identity = identity;
        MaxTokens = model.Config.MaxPositionEmbeddings;
        int rows = Math.Max(1, Math.Min(maxRows, MaxTokens));
        _session = new InferenceSession(model, slots > 0 ? slots : Math.Max(1, rows / 32), MaxTokens, compute, maxRows: rows);
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <inheritdoc />
    public int MaxTokens { get; }

    /// <inheritdoc />
    public Task ScoreAsync(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel)
    {
        Score(prompts, labels, onDone, cancel);
        return Task.CompletedTask;
    }

    /// <summary>One prompt's label logits.</summary>
    public StepReadout Score(RmPrompt p, LabelTokens labels)
    {
        StepReadout? result = null;
        Score([p], labels, (_, r) => result = r, CancellationToken.None);
        return result!;
    }

    /// <summary>Every prompt's label logits, packed into forward calls; <paramref name="onDone"/>(index, readout) as each prompt finishes.</summary>
    public void Score(IReadOnlyList<RmPrompt> prompts, LabelTokens labels, Action<int, StepReadout> onDone, CancellationToken cancel)
    {
        var good = new double?[prompts.Count][];
        var bad = new double?[prompts.Count][];
        var next = new int[prompts.Count]; // each prompt's next step to read
        for (int i = 0; i < prompts.Count; i++)
        {
            good[i] = new double?[prompts[i].Rows.Length];
            bad[i] = new double?[prompts[i].Rows.Length];
        }
        // Only the two label logits are read, so the vocabulary projection is skipped (forward cost minus the LM head).
        _session.PrefillHiddenMany([.. prompts.Select(p => p.Tokens)], (i, index, hidden) =>
        {
            int[] rows = prompts[i].Rows;
            while (next[i] < rows.Length && rows[next[i]] == index)
            {
                good[i][next[i]] = _session.TokenLogit(hidden, labels.Good);
                bad[i][next[i]] = _session.TokenLogit(hidden, labels.Bad);
                next[i]++;
            }
        }, i =>
        {
            if (next[i] != prompts[i].Rows.Length)
            {
                throw new InvalidOperationException($"rows [{string.Join(", ", prompts[i].Rows)}] are not ascending positions below {prompts[i].Tokens.Length}");
            }
            onDone(i, new StepReadout(good[i], bad[i]));
        }, cancel);
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
