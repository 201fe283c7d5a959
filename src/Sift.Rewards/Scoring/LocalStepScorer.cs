using Sift.Engine.Inference;
using Sift.Inference;

namespace Sift.Rewards.Scoring;

/// <summary>
/// Reward-model scoring on the local engine: each prompt is one prefill of the whole sequence through the KV-cache
/// session (every step of a solution in one forward pass, since attention is causal), and the logits of the label
/// tokens are read at each step's row as the prefill hands the rows over.
/// </summary>
internal sealed class LocalStepScorer : IStepScorer
{
    private readonly LoadedModel _model;
    private readonly InferenceSession _session;
    private readonly float[] _last;

    /// <summary>Creates the session; <paramref name="maxRows"/> bounds the rows of one forward call (longer prompts run in chunks).</summary>
    public LocalStepScorer(LoadedModel model, int maxRows = 512)
    {
        _model = model;
        MaxTokens = model.Model.Config.MaxPositionEmbeddings;
        _session = new InferenceSession(model.Model, 1, MaxTokens, model.Compute, maxRows: Math.Max(1, Math.Min(maxRows, MaxTokens)));
        _last = new float[model.Model.Config.VocabSize];
    }

    /// <inheritdoc />
    public string Identity => _model.Directory;

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
        _session.Prefill(0, p.Tokens, _last, (i, logits) =>
        {
            while (next < rows.Length && rows[next] == i)
            {
                good[next] = logits[labels.Good];
                bad[next] = logits[labels.Bad];
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
