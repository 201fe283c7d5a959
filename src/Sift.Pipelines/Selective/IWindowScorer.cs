namespace Sift.Pipelines.Selective;

/// <summary>
/// The per-window loss computation behind <see cref="CorpusScorer"/>: the local engine
/// (<see cref="LocalWindowScorer"/>) or an OpenAI-compatible server returning prompt logprobs
/// (<see cref="RemoteWindowScorer"/>). The corpus scorer keeps the windows, parts, resume and merge.
/// </summary>
internal interface IWindowScorer : IDisposable
{
    /// <summary>What identifies the reference model in scores.json (parts scored by different sources must agree).</summary>
    string Identity { get; }

    /// <summary>A readable name of the model (a folder, or a served model name).</summary>
    string Label { get; }

    /// <summary>Longest window (tokens fed, T) this source can score, or null when unknown.</summary>
    int? MaxWindow { get; }

    /// <summary>The model's vocabulary size, when known (the data's must not be larger).</summary>
    int? VocabSize { get; }

    /// <summary>Windows per call that keep this source busy (progress is recorded after each call).</summary>
    int PreferredBatch { get; }

    /// <summary>
    /// Scores windows: windows[b] holds len_b + 1 tokens (the inputs, then the last target), with len_b ≤
    /// <paramref name="seqLen"/>; returns len_b losses per window, losses[j] = −log p(windows[b][j+1] | windows[b][..j]),
    /// positions starting at 0 in every window.
    /// </summary>
    float[][] Score(IReadOnlyList<int[]> windows, int seqLen, CancellationToken cancel);
}
