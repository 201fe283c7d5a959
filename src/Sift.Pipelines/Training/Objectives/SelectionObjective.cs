using Sift.Data;
using Sift.Engine.Ops;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.Objectives;

/// <summary>
/// Shared machinery of the selective objectives: keep k = round(ratio · valid) tokens per scope (the micro-batch
/// or each window) with <see cref="TopKSelector"/>, weight them 1/(k · micro-batches per step) so the loss is the mean
/// over kept tokens of the whole step (Rho-1 Eq. 4), and account what was kept by provenance label and position.
/// </summary>
internal abstract class SelectionObjective : ITokenObjective, IObjectiveMetrics
{
    private readonly SideShardReader<byte>? _labels;
    private readonly long[] _labelSel = new long[256], _labelSeen = new long[256];

    /// <summary>Buckets of the window (equal shares of its positions) in which selection is counted.</summary>
    public const int PositionBuckets = 16;

    private readonly long[] _posSel = new long[PositionBuckets], _posSeen = new long[PositionBuckets];
    private readonly TopKSelector _selector = new();
    private byte[] _labelBuf = [];
    private double _lossSel, _lossUnsel;
    private long _nSel, _nUnsel;
    private bool[] _keep = [];

    /// <summary>Creates the objective (the recipe table has checked the ratio).</summary>
    protected SelectionObjective(double ratio, SelectScope scope, SideShardReader<byte>? labels)
    {
        Ratio = ratio;
        Scope = scope;
        _labels = labels;
    }

    /// <summary>Share of tokens kept.</summary>
    public double Ratio { get; }

    /// <summary>Where tokens are ranked.</summary>
    public SelectScope Scope { get; }

    /// <summary>Fills <paramref name="score"/> (higher = keep first) for the batch's positions.</summary>
    protected abstract void Score(in MicroBatch batch, Span<float> score);

    /// <summary>True when ties and order come from the scores (false: the subclass chooses via <see cref="Choose"/>).</summary>
    protected virtual bool Ranked => true;

    /// <summary>For unranked objectives: marks exactly k of the candidate indices.</summary>
    protected virtual void Choose(Span<int> candidates, int k, Span<bool> keep) => throw new NotSupportedException();

    /// <inheritdoc />
    public int ComputeWeights(in MicroBatch batch, Span<float> weights)
    {
        int n = weights.Length, T = batch.SeqLen;
        if (_keep.Length < n)
        {
            _keep = new bool[n];
        }
        Score(batch, _selector.Scores(n));
        var keep = _keep.AsSpan(0, n);
        keep.Clear();
        int microPerStep = Math.Max(1, batch.StepTokens / n);
        int kTotal = 0;
        int group = Scope == SelectScope.Batch ? n : T;
        for (int s = 0; s < n; s += group)
        {
            kTotal += Select(batch.Targets, s, Math.Min(group, n - s), keep);
        }
        float w = 1f / (kTotal * microPerStep);
        for (int i = 0; i < n; i++)
        {
            weights[i] = keep[i] ? w : 0f;
        }
        Account(batch, keep);
        return kTotal;
    }

    private int Select(ReadOnlySpan<int> targets, int start, int len, Span<bool> keep)
    {
        var cand = _selector.Candidates(targets, start, len);
        if (cand.Length == 0)
        {
            return 0;
        }
        int k = TopKSelector.KeepCount(Ratio, cand.Length);
        if (Ranked)
        {
            _selector.MarkTop(cand, k, keep);
        }
        else
        {
            Choose(cand, k, keep);
        }
        return k;
    }

    private void Account(in MicroBatch batch, ReadOnlySpan<bool> keep)
    {
        int n = keep.Length, T = batch.SeqLen;
        for (int i = 0; i < n; i++)
        {
            if (batch.Targets[i] == CrossEntropy.IgnoreIndex)
            {
                continue;
            }
            int bucket = (int)((long)(i % T) * PositionBuckets / T);
            _posSeen[bucket]++;
            if (keep[i])
            {
                _posSel[bucket]++;
                _lossSel += batch.Losses[i];
                _nSel++;
            }
            else
            {
                _lossUnsel += batch.Losses[i];
                _nUnsel++;
            }
        }
        if (_labels is null)
        {
            return;
        }
        if (_labelBuf.Length < n)
        {
            _labelBuf = new byte[n];
        }
        var lab = _labelBuf.AsSpan(0, n);
        WindowSideData.ReadTargets(_labels, batch.WindowStarts, T, lab);
        for (int i = 0; i < n; i++)
        {
            _labelSeen[lab[i]]++;
            if (keep[i])
            {
                _labelSel[lab[i]]++;
            }
        }
    }

    /// <inheritdoc />
    public MetricsLine AddTo(MetricsLine line)
    {
        line = line with
        {
            LossSelected = _nSel > 0 ? Math.Round(_lossSel / _nSel, 6) : null,
            LossUnselected = _nUnsel > 0 ? Math.Round(_lossUnsel / _nUnsel, 6) : null,
            SelectedFraction = _nSel + _nUnsel > 0 ? Math.Round((double)_nSel / (_nSel + _nUnsel), 6) : null,
            // [selected, seen] per position bucket of the window since the last record (pooled exactly by `sift analyze`).
            SelectedPositionCounts = Enumerable.Range(0, PositionBuckets).Select(b => new[] { _posSel[b], _posSeen[b] }).ToArray(),
        };
        Array.Clear(_posSel);
        Array.Clear(_posSeen);
        if (_labels is not null)
        {
            var shares = new Dictionary<string, double>(StringComparer.Ordinal);
            var counts = new Dictionary<string, long[]>(StringComparer.Ordinal); // [selected, seen] since the last record, so shares pool exactly
            for (int l = 0; l < 256; l++)
            {
                if (_labelSeen[l] == 0)
                {
                    continue;
                }
                string name = ProvenanceNames.Of((byte)l);
                shares[name] = Math.Round((double)_labelSel[l] / _labelSeen[l], 4);
                counts[name] = [_labelSel[l], _labelSeen[l]];
            }
            line = line with { SelectedShare = shares, SelectedCounts = counts };
            Array.Clear(_labelSel);
            Array.Clear(_labelSeen);
        }
        _lossSel = _lossUnsel = 0;
        _nSel = _nUnsel = 0;
        return line;
    }
}
