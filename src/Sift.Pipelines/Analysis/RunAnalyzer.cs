using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Checkpoint;
using Sift.Engine.Kernels.Gemm;
using Sift.Engine.Model;
using Sift.Pipelines.Selective;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Analysis;

/// <summary>Settings of <see cref="RunAnalyzer"/>.</summary>
internal sealed record AnalysisOptions
{
    /// <summary>The training run folder (with recipe.resolved.yaml, metrics.jsonl and checkpoints/).</summary>
    public required string RunDir { get; init; }

    /// <summary>Token dataset to analyse; default: the run's data.valid, else the held-out windows of data.train.</summary>
    public string? Data { get; init; }

    /// <summary>Per-token provenance side shard of that data; default: the run's data.labels when the data is data.train.</summary>
    public string? Labels { get; init; }

    /// <summary>Reference scores of that data; default: the run's data.ref_scores when the data is data.train.</summary>
    public string? RefScores { get; init; }

    /// <summary>Explicit checkpoint folders (in training order); default: every checkpoint of the run.</summary>
    public IReadOnlyList<string>? Checkpoints { get; init; }

    /// <summary>Held-out tokens to analyse (whole windows).</summary>
    public int Tokens { get; init; } = 65_536;

    /// <summary>ΔL threshold of the categories, in nats.</summary>
    public double Threshold { get; init; } = 0.2;

    /// <summary>Output folder; default RUN/analysis.</summary>
    public string? OutDir { get; init; }

    /// <summary>Compute threads.</summary>
    public int Threads { get; init; } = Math.Min(2, Environment.ProcessorCount);
}

/// <summary>What <see cref="RunAnalyzer.Run"/> wrote: analysis.json (<paramref name="Summary"/>) and the figures the console shows.</summary>
/// <param name="OutDir">Output folder.</param>
/// <param name="SummaryPath">analysis.json.</param>
/// <param name="Charts">SVG files written.</param>
/// <param name="Summary">The whole analysis (written as analysis.json, printed by --json).</param>
/// <param name="Headline">The figures a reader sees first.</param>
internal sealed record AnalysisResult(string OutDir, string SummaryPath, IReadOnlyList<string> Charts, JsonObject Summary, AnalysisHeadline Headline);

/// <summary>The analysis in brief.</summary>
/// <param name="TokensAnalyzed">Held-out tokens.</param>
/// <param name="Source">Where they came from.</param>
/// <param name="Checkpoints">Checkpoints evaluated.</param>
/// <param name="Shares">Share of tokens per dynamics category (H→H, L→H, H→L, L→L).</param>
/// <param name="ByLabel">Per provenance label: category shares and the label's token count.</param>
/// <param name="SelectedDuringTraining">Share of each label selected during training, when the run logged it.</param>
internal sealed record AnalysisHeadline(long TokensAnalyzed, string Source, int Checkpoints, IReadOnlyDictionary<string, double> Shares,
    IReadOnlyDictionary<string, (IReadOnlyDictionary<string, double> Shares, int Tokens)> ByLabel, IReadOnlyDictionary<string, double>? SelectedDuringTraining);

/// <summary>
/// `sift analyze`: (a) Rho-1's token-loss dynamics across a run's checkpoints on held-out tokens
/// (H→H, L→H, H→L, L→L shares, overall and per provenance label, with mean-loss trajectories);
/// (b) what selective training selected, by provenance label from the run's own metrics, and by label and
/// position in the window replayed on the held-out tokens at every checkpoint with the reference scores;
/// (c) SVG charts and analysis.json. A run keeps every checkpoint with <c>checkpoint.keep: 0</c>.
/// </summary>
internal sealed class RunAnalyzer(AnalysisOptions options, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Runs the analysis.</summary>
    public AnalysisResult Run(CancellationToken cancel = default)
    {
        var o = options;
        string runDir = Path.GetFullPath(o.RunDir);
        string recipePath = Path.Combine(runDir, "recipe.resolved.yaml");
        if (!File.Exists(recipePath))
        {
            throw new SiftException($"{runDir}: not a training run folder (no recipe.resolved.yaml)");
        }
        if (o.Tokens < 1 || !(o.Threshold > 0))
        {
            throw new SiftException($"--tokens must be ≥ 1 and --threshold > 0 (got {o.Tokens}, {o.Threshold})");
        }
        var recipe = TrainRecipe.Load(recipePath, []);
        var checkpoints = (o.Checkpoints ?? new CheckpointStore(runDir).List()).Select(Path.GetFullPath).ToList();
        if (checkpoints.Count < 2)
        {
            throw new SiftException($"{runDir}: token dynamics need at least 2 checkpoints, found {checkpoints.Count}; " +
                "train with checkpoint.keep: 0 (keep all) and a checkpoint.interval below train.max_steps");
        }
        var states = checkpoints.Select(c => TrainerState.Load(Path.Combine(c, "trainer_state.json"))).ToList();
        for (int i = 1; i < states.Count; i++)
        {
            if (states[i].Step <= states[i - 1].Step)
            {
                throw new SiftException($"checkpoints must be in training order: {checkpoints[i]} (step {states[i].Step}) follows step {states[i - 1].Step}");
            }
        }

        // Which tokens: held-out windows, with their labels and reference scores where known.
        bool onTrain = o.Data is null && recipe.ValidData is null;
        string dataDir = o.Data ?? recipe.ValidData ?? recipe.TrainData;
        string? labelsDir = o.Labels ?? (onTrain ? recipe.Labels : null);
        string? scoresDir = o.RefScores ?? (onTrain ? recipe.RefScores : null);
        int T = recipe.SeqLen;
        using var ds = TokenDataset.Open(dataDir);
        var split = onTrain && recipe.HoldoutEvery >= 2 ? WindowSplit.EveryKth(recipe.HoldoutEvery, SplitPart.Validation) : WindowSplit.All;
        var sampler = new WindowSampler(ds, T, recipe.Seed, split);
        string source = onTrain
            ? recipe.HoldoutEvery >= 2 ? $"held-out windows (every {recipe.HoldoutEvery}th) of {dataDir}" : $"the first windows of {dataDir} (data.holdout_every is 0, so these were trained on)"
            : $"windows of {dataDir}";
        long windows = Math.Min(sampler.WindowCount, (o.Tokens + T - 1) / T);
        if (windows < 1)
        {
            throw new SiftException($"{dataDir}: no {T}-token windows to analyse");
        }
        int n = (int)(windows * T);
        var starts = new long[windows];
        for (long w = 0; w < windows; w++)
        {
            starts[w] = sampler.WindowStart(w);
        }
        byte[]? labels = null;
        if (labelsDir is not null)
        {
            using var lab = SideShardReader<byte>.Open(labelsDir, ds);
            labels = new byte[n];
            WindowSideData.ReadTargets(lab, starts, T, labels);
        }
        float[]? reference = null;
        if (scoresDir is not null)
        {
            using var sc = ReferenceScores.Open(scoresDir, ds, T);
            reference = new float[n];
            WindowSideData.ReadTargets(sc, starts, T, reference);
        }

        // Per-token losses at every checkpoint (forward only, same windows and positions as training).
        var losses = new List<float[]>();
        var compute = new Compute(GemmFactory.Create(recipe.Gemm, o.Threads), o.Threads);
        int batch = Math.Max(1, Math.Min(recipe.MicroBatch, (int)windows));
        for (int c = 0; c < checkpoints.Count; c++)
        {
            cancel.ThrowIfCancellationRequested();
            using var model = HfModelFolder.Load(checkpoints[c]);
            using var graph = new TrainingGraph(model, batch, T, compute, forwardOnly: true);
            var inputs = new int[batch * T];
            var targets = new int[batch * T];
            var l = new float[n];
            for (long w0 = 0; w0 < windows; w0 += batch)
            {
                int nb = (int)Math.Min(batch, windows - w0);
                for (int b = 0; b < batch; b++)
                {
                    sampler.ReadWindow(Math.Min(w0 + b, windows - 1), inputs.AsSpan(b * T, T), targets.AsSpan(b * T, T));
                }
                graph.Forward(inputs, targets, forBackward: false);
                graph.Losses[..(nb * T)].CopyTo(l.AsSpan((int)(w0 * T), nb * T));
            }
            losses.Add(l);
            _progress.Report("analyze checkpoints", c + 1, checkpoints.Count, $"step {states[c].Step}");
        }
        _progress.Done();

        var x = states.Select(s => (double)s.Tokens).ToList();
        var dyn = TokenDynamics.Classify(losses, x, o.Threshold);
        string outDir = Path.GetFullPath(o.OutDir ?? Path.Combine(runDir, "analysis"));
        Directory.CreateDirectory(outDir);
        var charts = new List<string>();
        var summary = new JsonObject
        {
            ["run"] = runDir,
            ["objective"] = recipe.Objective.Name,
            ["source"] = source,
            ["tokens_analyzed"] = n,
            ["windows"] = windows,
            ["checkpoints"] = new JsonArray(checkpoints.Select((c, i) => (JsonNode)new JsonObject { ["step"] = states[i].Step, ["tokens"] = states[i].Tokens, ["dir"] = c }).ToArray()),
            ["dynamics"] = DynamicsJson(dyn, losses, labels, o.Threshold),
        };
        charts.Add(WriteDynamicsCharts(outDir, dyn, losses, x, labels));

        var (trainingJson, selectedByLabel) = TrainingSelection(Path.Combine(runDir, "metrics.jsonl"), outDir, charts);
        var selection = new JsonObject { ["training"] = trainingJson };
        if (reference is not null)
        {
            int group = recipe.SelectScope == SelectScope.Sequence ? T : batch * T;
            selection["replay"] = Replay(losses, reference, labels, states, recipe.SelectRatio, recipe.SelectScope == SelectScope.Sequence ? "sequence" : "batch", group, T, outDir, charts);
        }
        else
        {
            selection["replay"] = "skipped: no reference scores for these tokens (pass --ref-scores)";
        }
        summary["selection"] = selection;
        summary["charts"] = new JsonArray(charts.Select(c => (JsonNode)c).ToArray());
        string path = Path.Combine(outDir, "analysis.json");
        AtomicFile.WriteAllText(path, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var byLabel = labels is null ? new Dictionary<string, (IReadOnlyDictionary<string, double>, int)>()
            : labels.Distinct().Order().ToDictionary(l => ProvenanceNames.Of(l), l => ((IReadOnlyDictionary<string, double>)ShareValues(dyn.Category, j => labels[j] == l), labels.Count(v => v == l)));
        var headline = new AnalysisHeadline(n, source, checkpoints.Count, ShareValues(dyn.Category, _ => true), byLabel, selectedByLabel);
        return new AnalysisResult(outDir, path, charts, summary, headline);
    }

    private static JsonObject DynamicsJson(DynamicsResult dyn, List<float[]> losses, byte[]? labels, double threshold)
    {
        var o = new JsonObject
        {
            ["threshold"] = threshold,
            ["mean_last_loss"] = Math.Round(dyn.MeanLastLoss, 6),
            ["shares"] = Shares(dyn.Category, _ => true),
            ["trajectory"] = Trajectories(dyn.Category, losses, _ => true),
        };
        if (labels is not null)
        {
            var by = new JsonObject();
            foreach (byte l in labels.Distinct().Order())
            {
                var shares = Shares(dyn.Category, j => labels[j] == l);
                int count = labels.Count(v => v == l);
                shares["tokens"] = count;
                shares["mean_loss_first"] = Math.Round(MeanWhere(losses[0], j => labels[j] == l), 6);
                shares["mean_loss_last"] = Math.Round(MeanWhere(losses[^1], j => labels[j] == l), 6);
                by[ProvenanceNames.Of(l)] = shares;
            }
            o["by_label"] = by;
        }
        return o;
    }

    private static JsonObject Shares(LossCategory[] cat, Func<int, bool> where) =>
        new(ShareValues(cat, where).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));

    private static Dictionary<string, double> ShareValues(LossCategory[] cat, Func<int, bool> where)
    {
        var counts = new long[4];
        long total = 0;
        for (int j = 0; j < cat.Length; j++)
        {
            if (where(j))
            {
                counts[(int)cat[j]]++;
                total++;
            }
        }
        return TokenDynamics.All.ToDictionary(c => c.Name(), c => total > 0 ? Math.Round((double)counts[(int)c] / total, 6) : 0);
    }

    private static JsonObject Trajectories(LossCategory[] cat, List<float[]> losses, Func<int, bool> where)
    {
        var o = new JsonObject();
        foreach (var c in TokenDynamics.All)
        {
            var arr = new JsonArray();
            foreach (var l in losses)
            {
                double m = MeanWhere(l, j => cat[j] == c && where(j));
                arr.Add(double.IsFinite(m) ? Math.Round(m, 6) : null);
            }
            o[c.Name()] = arr;
        }
        return o;
    }

    private static double MeanWhere(float[] v, Func<int, bool> where)
    {
        double s = 0;
        long k = 0;
        for (int j = 0; j < v.Length; j++)
        {
            if (where(j))
            {
                s += v[j];
                k++;
            }
        }
        return k > 0 ? s / k : double.NaN;
    }

    private static string WriteDynamicsCharts(string outDir, DynamicsResult dyn, List<float[]> losses, List<double> x, byte[]? labels)
    {
        var groups = new List<string> { "all" };
        var filters = new List<Func<int, bool>> { _ => true };
        if (labels is not null)
        {
            foreach (byte l in labels.Distinct().Order())
            {
                groups.Add(ProvenanceNames.Of(l));
                filters.Add(j => labels[j] == l);
            }
        }
        var series = TokenDynamics.All.Select(c => new BarSeries(c.Name(), filters.Select(f =>
        {
            long hit = 0, total = 0;
            for (int j = 0; j < dyn.Category.Length; j++)
            {
                if (f(j))
                {
                    total++;
                    hit += dyn.Category[j] == c ? 1 : 0;
                }
            }
            return total > 0 ? (double)hit / total : double.NaN;
        }).ToList())).ToList();
        string path = Path.Combine(outDir, "dynamics.svg");
        AtomicFile.WriteAllText(path, new SvgBarChart { Title = "Token-loss dynamics across checkpoints (Rho-1 categories)", YLabel = "share of tokens", Format = "0.00" }.Render(groups, series));
        var lines = TokenDynamics.All.Select(c => new ChartSeries(c.Name(), losses.Select((l, i) => (x[i], MeanWhere(l, j => dyn.Category[j] == c))).ToList())).ToList();
        AtomicFile.WriteAllText(Path.Combine(outDir, "dynamics-loss.svg"),
            new SvgLineChart { Title = "Mean held-out loss per category", XLabel = "tokens processed", YLabel = "loss (nats/token)" }.Render(lines));
        return path;
    }

    private static (JsonNode Json, Dictionary<string, double>? ByLabel) TrainingSelection(string metricsPath, string outDir, List<string> charts)
    {
        var all = new MetricsLog(metricsPath).ReadAll().ToList();
        var byPosition = PooledPositions(all);
        var records = all.Where(r => r.SelectedCounts is not null || r.SelectedShare is not null).ToList();
        if (records.Count == 0)
        {
            return (byPosition is null
                ? "none: the run logged no selection (the objective does not select)"
                : new JsonObject { ["by_label"] = "none: the run had no data.labels", ["by_position"] = byPosition }, null);
        }
        var sel = new Dictionary<string, (long S, long N)>(StringComparer.Ordinal);
        bool exact = records.All(r => r.SelectedCounts is not null);
        var overTime = new Dictionary<string, List<(double, double)>>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            double tokens = r.Tokens;
            if (exact)
            {
                foreach (var (k, v) in r.SelectedCounts!)
                {
                    var (s, nn) = sel.GetValueOrDefault(k);
                    sel[k] = (s + v[0], nn + v[1]);
                }
            }
            foreach (var (k, v) in r.SelectedShare ?? [])
            {
                if (!overTime.TryGetValue(k, out var list))
                {
                    overTime[k] = list = [];
                }
                list.Add((tokens, v));
            }
        }
        var o = new JsonObject { ["pooled"] = exact ? "exact counts over the whole run" : "mean of logged shares (old run without selected_counts)" };
        var shares = (exact ? (IEnumerable<string>)sel.Keys : overTime.Keys).Order(StringComparer.Ordinal)
            .ToDictionary(k => k, k => exact ? Math.Round((double)sel[k].S / Math.Max(1, sel[k].N), 6) : Math.Round(overTime[k].Average(p => p.Item2), 6));
        o["by_label"] = new JsonObject(shares.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        if (byPosition is not null)
        {
            o["by_position"] = byPosition;
        }
        string path = Path.Combine(outDir, "selection-over-time.svg");
        AtomicFile.WriteAllText(path, new SvgLineChart { Title = "Share of each provenance label selected during training", XLabel = "tokens processed", YLabel = "share selected" }
            .Render(overTime.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new ChartSeries(kv.Key, kv.Value)).ToList()));
        charts.Add(path);
        return (o, shares);
    }

    /// <summary>Share selected per position bucket over the whole run, from the training metrics' exact counts; null when none were logged.</summary>
    private static JsonArray? PooledPositions(List<MetricsLine> records)
    {
        long[]? sel = null, seen = null;
        foreach (var r in records)
        {
            if (r.SelectedPositionCounts is not { } counts)
            {
                continue;
            }
            sel ??= new long[counts.Length];
            seen ??= new long[counts.Length];
            for (int b = 0; b < Math.Min(counts.Length, sel.Length); b++)
            {
                sel[b] += counts[b][0];
                seen[b] += counts[b][1];
            }
        }
        return sel is null ? null : new JsonArray(sel.Select((s, b) => (JsonNode)Math.Round((double)s / Math.Max(1, seen![b]), 6)).ToArray());
    }

    private static JsonObject Replay(List<float[]> losses, float[] reference, byte[]? labels, List<TrainerState> states,
        double ratio, string scope, int group, int T, string outDir, List<string> charts)
    {
        var perCheckpoint = new JsonArray();
        var labelSet = labels?.Distinct().Order().ToArray() ?? [];
        var byLabelSeries = labelSet.Select(_ => new List<double>()).ToArray();
        double[]? firstPos = null, lastPos = null;
        for (int c = 0; c < losses.Count; c++)
        {
            var keep = SelectionReplay.Select(losses[c], reference, ratio, group);
            var pos = new double[T];
            var posN = new long[T];
            for (int j = 0; j < keep.Length; j++)
            {
                pos[j % T] += keep[j] ? 1 : 0;
                posN[j % T]++;
            }
            for (int p = 0; p < T; p++)
            {
                pos[p] /= Math.Max(1, posN[p]);
            }
            var entry = new JsonObject { ["step"] = states[c].Step, ["tokens"] = states[c].Tokens };
            if (labels is not null)
            {
                var by = new JsonObject();
                for (int li = 0; li < labelSet.Length; li++)
                {
                    byte l = labelSet[li];
                    long s = 0, k = 0;
                    for (int j = 0; j < keep.Length; j++)
                    {
                        if (labels[j] == l)
                        {
                            k++;
                            s += keep[j] ? 1 : 0;
                        }
                    }
                    double share = (double)s / Math.Max(1, k);
                    by[ProvenanceNames.Of(l)] = Math.Round(share, 6);
                    byLabelSeries[li].Add(share);
                }
                entry["by_label"] = by;
            }
            entry["by_position"] = new JsonArray(Buckets(pos, 16).Select(v => (JsonNode)Math.Round(v, 6)).ToArray());
            perCheckpoint.Add(entry);
            firstPos ??= pos;
            lastPos = pos;
        }
        var o = new JsonObject
        {
            ["ratio"] = ratio,
            ["scope"] = scope,
            ["group_tokens"] = group,
            ["note"] = "selection recomputed on the analysed tokens with each checkpoint's losses and the reference scores; by_position has 16 equal buckets of the window",
            ["per_checkpoint"] = perCheckpoint,
        };
        if (labels is not null)
        {
            string path = Path.Combine(outDir, "selection-by-label.svg");
            var names = labelSet.Select(l => ProvenanceNames.Of(l)).ToList();
            var series = new List<BarSeries>
            {
                new($"step {states[0].Step}", byLabelSeries.Select(s => s[0]).ToList()),
                new($"step {states[^1].Step}", byLabelSeries.Select(s => s[^1]).ToList()),
            };
            AtomicFile.WriteAllText(path, new SvgBarChart { Title = $"Share of each label SLM selects (k = {ratio.ToString("0.##", CultureInfo.InvariantCulture)}, replayed on held-out tokens)", YLabel = "share selected", Format = "0.00" }.Render(names, series));
            charts.Add(path);
        }
        string posPath = Path.Combine(outDir, "selection-by-position.svg");
        // 32 buckets: a few hundred held-out windows leave single positions too noisy to read.
        List<(double, double)> Smoothed(double[] pos)
        {
            int k = Math.Min(32, pos.Length);
            return Buckets(pos, k).Select((v, b) => ((b + 0.5) * pos.Length / k, v)).ToList();
        }
        AtomicFile.WriteAllText(posPath, new SvgLineChart { Title = "Share selected by position in the window", XLabel = "position (bucket centre)", YLabel = "share selected" }.Render(
        [
            new ChartSeries($"step {states[0].Step}", Smoothed(firstPos!)),
            new ChartSeries($"step {states[^1].Step}", Smoothed(lastPos!), Dashed: true),
        ]));
        charts.Add(posPath);
        return o;
    }

    private static double[] Buckets(double[] v, int k)
    {
        k = Math.Min(k, v.Length);
        var r = new double[k];
        for (int b = 0; b < k; b++)
        {
            int lo = b * v.Length / k, hi = (b + 1) * v.Length / k;
            r[b] = v[lo..hi].Average();
        }
        return r;
    }
}
