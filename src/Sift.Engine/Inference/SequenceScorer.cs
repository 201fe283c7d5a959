using Sift.Engine.Model;

namespace Sift.Engine.Inference;

/// <summary>
/// Head outputs of whole sequences for reward models (a <see cref="ModelHead.Score"/> head: LlamaForSequenceClassification,
/// Qwen2ForSequenceClassification): per position, for a process reward model reading step boundaries, or the
/// sequence score transformers reports, taken at the last non-pad token. Works with an LM head too (logits).
/// </summary>
public sealed class SequenceScorer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _width;
    private readonly int? _pad;

    /// <summary>Creates a one-slot session for sequences of up to <paramref name="maxLength"/> tokens.</summary>
    public SequenceScorer(LlamaModel model, Compute compute, int maxLength)
    {
        _session = new InferenceSession(model, 1, maxLength, compute);
        _width = model.Config.HeadWidth;
        _pad = model.Config.PadTokenId;
    }

    /// <summary>
    /// The position a sequence score is read at: the last token that is not <paramref name="padTokenId"/>
    /// (transformers ≥ 4.46: argmax of index × non-pad mask, so 0 when every token is padding), or the last token
    /// when the config has no pad id.
    /// </summary>
    public static int ScoredPosition(ReadOnlySpan<int> tokens, int? padTokenId)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("no tokens to score", nameof(tokens));
        }
        if (padTokenId is not int pad)
        {
            return tokens.Length - 1;
        }
        for (int i = tokens.Length - 1; i >= 0; i--)
        {
            if (tokens[i] != pad)
            {
                return i;
            }
        }
        return 0;
    }

    /// <summary>Head outputs after every token, [T × W] row-major.</summary>
    public float[] PositionScores(ReadOnlySpan<int> tokens)
    {
        var all = new float[tokens.Length * _width];
        _session.Reset(0);
        _session.Prefill(0, tokens, new float[_width], (i, row) => row.CopyTo(all.AsSpan(i * _width, _width)));
        return all;
    }

    /// <summary>The sequence's score [W]: the head outputs at <see cref="ScoredPosition"/>.</summary>
    public float[] Score(ReadOnlySpan<int> tokens)
    {
        int at = ScoredPosition(tokens, _pad);
        var last = new float[_width];
        _session.Reset(0);
        _session.Prefill(0, tokens[..(at + 1)], last);
        return last;
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();
}
