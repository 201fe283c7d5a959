using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Random;
using Sift.Data;
using Sift.Engine.Ops;
using Sift.Pipelines.Selective;

namespace Sift.Pipelines.Training;

/// <summary>An objective that reports selection statistics into the metrics log.</summary>
public interface IObjectiveMetrics
{
    /// <summary>Adds the statistics accumulated since the last call to <paramref name="record"/> and resets them.</summary>
    void WriteMetrics(JsonObject record);

    /// <summary>Per provenance label: (tokens selected, tokens seen) over the whole run so far.</summary>
    IReadOnlyDictionary<string, (long Selected, long Seen)> CumulativeByLabel { get; }
}

/// <summary>
/// Shared machinery of the selective objectives: keep k = round(ratio · valid) tokens per scope (the micro-batch
/// or each sequence), weight them 1/(k · micro-batches per step) so the loss is the mean over kept tokens of
/// the whole step (Rho-1 Eq. 4), and account what was kept by provenance label and position.
/// </summary>
public abstract class SelectionObjective : ITokenObjective, IObjectiveMetrics
{
    private readonly SideShardReader<byte>? _labels;
    private readonly Dictionary<string, (long Selected, long Seen)> _cumulative = new(StringComparer.Ordinal);
    private readonly long[] _labelSel = new long[256], _labelSeen = new long[256];

    /// <summary>Buckets of the window (equal shares of its positions) in which selection is counted.</summary>
    public const int PositionBuckets = 16;

    private readonly long[] _posSel = new long[PositionBuckets], _posSeen = new long[PositionBuckets];
    private byte[] _labelBuf = [];
    private double _lossSel, _lossUnsel;
    private long _nSel, _nUnsel;
    private int[] _idx = [];
    private bool[] _keep = [];
    private float[] _score = [];
    private readonly Comparison<int> _byScore;

    /// <summary>Creates the objective.</summary>
    protected SelectionObjective(double ratio, string scope, SideShardReader<byte>? labels)
    {
        if (!(ratio > 0 && ratio <= 1))
        {
            throw new SiftException($"train.select_ratio must be in (0, 1], got {ratio}");
        }
        if (scope is not ("batch" or "sequence"))
        {
            throw new SiftException($"train.select_scope must be batch or sequence, got '{scope}'");
        }
        Ratio = ratio;
        Scope = scope;
        _labels = labels;
        // Highest score first; ties to the earlier position (deterministic). One delegate for the run: no allocation per step.
        _byScore = (a, b) => _score[b].CompareTo(_score[a]) is int c && c != 0 ? c : a.CompareTo(b);
    }

    /// <summary>Share of tokens kept.</summary>
    public double Ratio { get; }

    /// <summary>"batch" (rank within the micro-batch, the paper's wording) or "sequence".</summary>
    public string Scope { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, (long Selected, long Seen)> CumulativeByLabel => _cumulative;

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
        if (_idx.Length < n)
        {
            _idx = new int[n];
            _keep = new bool[n];
            _score = new float[n];
        }
        var score = _score.AsSpan(0, n);
        Score(batch, score);
        var keep = _keep.AsSpan(0, n);
        keep.Clear();
        int microPerStep = Math.Max(1, batch.StepTokens / n);
        int kTotal = 0;
        if (Scope == "batch")
        {
            kTotal = Select(batch.Targets, 0, n, keep);
        }
        else
        {
            for (int s = 0; s < n; s += T)
            {
                kTotal += Select(batch.Targets, s, Math.Min(T, n - s), keep);
            }
        }
        float w = 1f / (kTotal * microPerStep);
        for (int i = 0; i < n; i++)
        {
            weights[i] = keep[i] ? w : 0f;
        }
        Account(batch, keep);
        return kTotal;
    }

    /// <summary>Marks the top k of [start, start + len) by the scores in _score (or the subclass's choice); returns k.</summary>
    private int Select(ReadOnlySpan<int> targets, int start, int len, Span<bool> keep)
    {
        var idx = _idx.AsSpan(0, len);
        int valid = 0;
        for (int i = start; i < start + len; i++)
        {
            if (targets[i] != CrossEntropy.IgnoreIndex)
            {
                idx[valid++] = i;
            }
        }
        if (valid == 0)
        {
            return 0;
        }
        int k = Math.Clamp((int)Math.Round(Ratio * valid, MidpointRounding.AwayFromZero), 1, valid);
        var cand = idx[..valid];
        if (Ranked)
        {
            cand.Sort(_byScore);
            foreach (int i in cand[..k])
            {
                keep[i] = true;
            }
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
        if (_labelBuf.Length < T)
        {
            _labelBuf = new byte[T];
        }
        for (int b = 0; b * T < n; b++)
        {
            var lab = _labelBuf.AsSpan(0, T);
            _labels.Read(batch.WindowStarts[b] + 1, lab); // labels of the target tokens
            for (int j = 0; j < T; j++)
            {
                _labelSeen[lab[j]]++;
                if (keep[b * T + j])
                {
                    _labelSel[lab[j]]++;
                }
            }
        }
    }

    /// <inheritdoc />
    public void WriteMetrics(JsonObject record)
    {
        record["loss_selected"] = _nSel > 0 ? Math.Round(_lossSel / _nSel, 6) : null;
        record["loss_unselected"] = _nUnsel > 0 ? Math.Round(_lossUnsel / _nUnsel, 6) : null;
        record["selected_fraction"] = _nSel + _nUnsel > 0 ? Math.Round((double)_nSel / (_nSel + _nUnsel), 6) : null;
        // [selected, seen] per position bucket of the window since the last record (pooled exactly by `sift analyze`).
        record["selected_position_counts"] = new JsonArray(Enumerable.Range(0, PositionBuckets).Select(b => (JsonNode)new JsonArray(_posSel[b], _posSeen[b])).ToArray());
        Array.Clear(_posSel);
        Array.Clear(_posSeen);
        if (_labels is not null)
        {
            var shares = new JsonObject();
            var counts = new JsonObject(); // [selected, seen] per label since the last record, so shares can be pooled exactly
            for (int l = 0; l < 256; l++)
            {
                if (_labelSeen[l] == 0)
                {
                    continue;
                }
                string name = ProvenanceNames.Of((byte)l);
                shares[name] = Math.Round((double)_labelSel[l] / _labelSeen[l], 4);
                counts[name] = new JsonArray(_labelSel[l], _labelSeen[l]);
                var (s, seen) = _cumulative.GetValueOrDefault(name);
                _cumulative[name] = (s + _labelSel[l], seen + _labelSeen[l]);
            }
            record["selected_share"] = shares;
            record["selected_counts"] = counts;
            Array.Clear(_labelSel);
            Array.Clear(_labelSeen);
        }
        _lossSel = _lossUnsel = 0;
        _nSel = _nUnsel = 0;
    }
}

/// <summary>Rho-1 selective language modeling: keep the tokens with the highest excess loss L_student − L_ref.</summary>
public sealed class SlmObjective(ReferenceScores scores, double ratio, string scope, SideShardReader<byte>? labels)
    : SelectionObjective(ratio, scope, labels)
{
    private float[] _ref = [];

    /// <inheritdoc />
    public override string Name => "slm";

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score)
    {
        int n = score.Length, T = batch.SeqLen;
        if (_ref.Length < n)
        {
            _ref = new float[n];
        }
        for (int b = 0; b * T < n; b++)
        {
            scores.Read(batch.WindowStarts[b] + 1, _ref.AsSpan(b * T, T)); // reference loss of each target token
        }
        for (int i = 0; i < n; i++)
        {
            score[i] = batch.Losses[i] - _ref[i];
        }
    }
}

/// <summary>Control arm: keep a uniformly random k tokens per scope (same ratio as SLM).</summary>
public sealed class RandomSelectionObjective(Rng rng, double ratio, string scope, SideShardReader<byte>? labels)
    : SelectionObjective(ratio, scope, labels)
{
    /// <inheritdoc />
    public override string Name => "random";

    /// <inheritdoc />
    protected override bool Ranked => false;

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score) => score.Clear();

    /// <inheritdoc />
    protected override void Choose(Span<int> candidates, int k, Span<bool> keep)
    {
        // Partial Fisher–Yates with the run's generator (saved in checkpoints, so resume is exact).
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.NextInt(candidates.Length - i);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
            keep[candidates[i]] = true;
        }
    }
}

/// <summary>
/// Research control: a perfect data filter at the same ratio. Keeps k tokens per scope, clean-labelled ones
/// (correct problems and math prose, by the provenance side shard) first and in random order, so it trains on
/// exactly the clean tokens SLM could at best select; when k exceeds them, random other tokens fill the rest.
/// Measures how much the noise itself costs the baseline, separately from how well excess loss finds it.
/// </summary>
public sealed class OracleSelectionObjective : SelectionObjective
{
    private readonly Rng _rng;
    private readonly SideShardReader<byte> _labels;
    private byte[] _lab = [];

    /// <summary>Creates the objective.</summary>
    public OracleSelectionObjective(Rng rng, double ratio, string scope, SideShardReader<byte> labels)
        : base(ratio, scope, labels)
    {
        _rng = rng;
        _labels = labels;
    }

    /// <inheritdoc />
    public override string Name => "oracle";

    /// <inheritdoc />
    protected override void Score(in MicroBatch batch, Span<float> score)
    {
        int n = score.Length, T = batch.SeqLen;
        if (_lab.Length < n)
        {
            _lab = new byte[n];
        }
        for (int b = 0; b * T < n; b++)
        {
            _labels.Read(batch.WindowStarts[b] + 1, _lab.AsSpan(b * T, T)); // labels of the target tokens
        }
        for (int i = 0; i < n; i++)
        {
            // Clean kinds rank above every other token; the random part orders tokens within each group.
            bool clean = Sift.Synth.ProvenanceInfo.IsCleanKind((Sift.Synth.Provenance)_lab[i]);
            score[i] = (clean ? 1f : 0f) + 0.5f * (float)_rng.NextDouble();
        }
    }
}
