using Sift.Core;
using Sift.Data;

namespace Sift.Pipelines.Selective;

/// <summary>
/// Reads reference losses aligned with a dataset's token stream for training windows; refuses scores that
/// were computed for other data, another window length, or that are incomplete (naming both folders).
/// </summary>
internal sealed class ReferenceScores : ISideData<float>, IDisposable
{
    private readonly SideShardReader<Half>? _half;
    private readonly SideShardReader<float>? _single;
    private Half[] _buf = [];

    private ReferenceScores(ScoresManifest manifest, SideShardReader<Half>? half, SideShardReader<float>? single)
    {
        Manifest = manifest;
        _half = half;
        _single = single;
    }

    /// <summary>What the scores were made from.</summary>
    public ScoresManifest Manifest { get; }

    /// <summary>Opens a scores folder for <paramref name="dataset"/> scored with windows of <paramref name="seqLen"/>.</summary>
    public static ReferenceScores Open(string folder, TokenDataset dataset, int seqLen)
    {
        var m = Load(folder, dataset, "windows", "sift score --data DATA --seq-len T");
        if (m.SeqLen != seqLen)
        {
            throw new SiftException($"scores {folder} used windows of {m.SeqLen} tokens but training uses train.seq_len={seqLen}; rescore with --seq-len {seqLen} so contexts match");
        }
        return OpenShards(folder, dataset, m);
    }

    /// <summary>
    /// Opens per-document reference losses of an example dataset (<c>sift score --per-document</c>): value p is
    /// −log p_ref(token p | its document's prefix), 0 at each document's first token.
    /// </summary>
    public static ReferenceScores OpenPerDocument(string folder, TokenDataset dataset) =>
        OpenShards(folder, dataset, Load(folder, dataset, "documents", "sift score --data EXAMPLES --per-document"));

    private static ScoresManifest Load(string folder, TokenDataset dataset, string layout, string make)
    {
        var m = ScoresManifest.TryLoad(folder) ?? throw new SiftException($"{folder}: not a scores folder (no {ScoresManifest.FileName}); make one with `{make} --output {folder}`");
        if (m.Layout != layout)
        {
            throw new SiftException(layout == "windows"
                ? $"scores {folder} were computed per document (reference log-probs of an example dataset); selective training needs window scores (`{make}`)"
                : $"scores {folder} were computed over stride-{m.SeqLen} windows; example training needs each document scored alone (`{make}`)");
        }
        if (!m.Complete)
        {
            throw new SiftException($"{folder}: scoring is not complete (parts still missing); finish every --part before training");
        }
        if (m.TokenizerFingerprint != dataset.TokenizerFingerprint || m.TotalTokens != dataset.TotalTokens)
        {
            throw new SiftException($"scores {folder} were computed for {m.Dataset} ({m.TotalTokens} tokens), which does not match the training data {dataset.Folder} ({dataset.TotalTokens} tokens)");
        }
        return m;
    }

    private static ReferenceScores OpenShards(string folder, TokenDataset dataset, ScoresManifest m)
    {
        try
        {
            return m.DType == "float16"
                ? new ReferenceScores(m, SideShardReader<Half>.Open(folder, dataset), null)
                : new ReferenceScores(m, null, SideShardReader<float>.Open(folder, dataset));
        }
        catch (SiftException ex)
        {
            throw new SiftException($"scores {folder} do not match the training data {dataset.Folder}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads scores for stream positions [start, start + dest.Length).</summary>
    public void Read(long start, Span<float> dest)
    {
        if (_single is not null)
        {
            _single.Read(start, dest);
            return;
        }
        if (_buf.Length < dest.Length)
        {
            _buf = new Half[dest.Length];
        }
        var b = _buf.AsSpan(0, dest.Length);
        _half!.Read(start, b);
        for (int i = 0; i < dest.Length; i++)
        {
            dest[i] = (float)b[i];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _half?.Dispose();
        _single?.Dispose();
    }
}
