using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Pipelines.Training.Metrics;
using Sift.Pipelines.Training.Objectives;
using Sift.Synth;

namespace Sift.Pipelines.Demo;

/// <summary>One student (or the reference model) after training.</summary>
/// <param name="Name">The objective's name, or "reference".</param>
/// <param name="Curve">Evaluations in training order.</param>
/// <param name="Tokens">Tokens processed.</param>
/// <param name="TrainedTokens">Tokens that received gradient.</param>
/// <param name="Final">The last evaluation record (clean_loss, answer_loss, accuracy, tiers, ...).</param>
/// <param name="Selection">Per provenance kind: tokens selected and tokens seen over the whole run (empty for clm).</param>
/// <param name="Flops">Training FLOPs.</param>
/// <param name="Seconds">Wall time of the training stage.</param>
internal sealed record ArmResult(string Name, IReadOnlyList<EvalPoint> Curve, long Tokens, long TrainedTokens, MetricsLine Final,
    IReadOnlyDictionary<string, (long Selected, long Seen)> Selection, double Flops, double Seconds)
{
    /// <summary>The objective it was trained with (null for the reference model).</summary>
    public ObjectiveSpec? Objective { get; init; }

    /// <summary>Display name ("SLM", "random selection", "reference").</summary>
    public string Label => Objective?.Label ?? Name;

    /// <summary>Chart colour.</summary>
    public string Color => Objective?.Color ?? "#7f7f7f";

    /// <summary>The full evaluation records, parallel to <see cref="Curve"/>.</summary>
    public IReadOnlyList<MetricsLine> Evaluations { get; init; } = [];

    /// <summary>Selection counts per evaluation interval's end step (cumulative from the start), for truncation.</summary>
    public IReadOnlyList<(long Step, IReadOnlyDictionary<string, (long Selected, long Seen)> Counts)> SelectionByStep { get; init; } = [];

    /// <summary>
    /// The same run seen at step <paramref name="steps"/> (an evaluation step): with a constant learning rate
    /// after warmup, a shorter run with the same seed is exactly this run's prefix, so the study reads budgets
    /// off one long run.
    /// </summary>
    public ArmResult Truncate(long steps)
    {
        int n = Curve.Count(p => p.Step <= steps);
        if (n == 0 || Curve[n - 1].Step != steps)
        {
            throw new SiftException($"{Name}: no evaluation at step {steps} (evaluations at steps {string.Join(", ", Curve.Select(p => p.Step))})");
        }
        var last = Curve[n - 1];
        var sel = SelectionByStep.LastOrDefault(x => x.Step <= steps).Counts ?? new Dictionary<string, (long, long)>();
        return this with
        {
            Curve = Curve.Take(n).ToList(),
            Evaluations = Evaluations.Take(n).ToList(),
            Final = Evaluations.Count >= n ? Evaluations[n - 1] : Final,
            Tokens = last.Tokens,
            TrainedTokens = last.TrainedTokens,
            Flops = Tokens > 0 ? Flops / Tokens * last.Tokens : 0,
            Seconds = Tokens > 0 ? Seconds / Tokens * last.Tokens : 0,
            Selection = sel,
            SelectionByStep = SelectionByStep.Where(x => x.Step <= steps).ToList(),
        };
    }

    /// <summary>
    /// Share of the optimizer steps' time spent computing the per-token weights (for slm: reading reference
    /// scores, excess loss, ranking, accounting); NaN when the stage did not record it.
    /// </summary>
    public double ObjectiveShare { get; init; } = double.NaN;

    /// <summary>Final held-out clean loss.</summary>
    public double CleanLoss => Final.CleanLoss ?? double.NaN;

    /// <summary>Final loss on the answer tokens.</summary>
    public double AnswerLoss => Final.AnswerLoss ?? double.NaN;

    /// <summary>Final greedy accuracy.</summary>
    public double Accuracy => Final.Accuracy ?? double.NaN;

    /// <summary>Final accuracy of one tier, or NaN.</summary>
    public double TierAccuracy(string tier) => Final.Tiers?.GetValueOrDefault(tier)?.Accuracy ?? double.NaN;

    /// <summary>Share of the tokens of a kind that were selected, or NaN when none were seen.</summary>
    public double KeptShare(string kind) => Selection.TryGetValue(kind, out var c) && c.Seen > 0 ? (double)c.Selected / c.Seen : double.NaN;

    /// <summary>Share of all selected tokens that are clean kinds (clean problems and math prose).</summary>
    public double CleanShareOfKept
    {
        get
        {
            long sel = Selection.Where(kv => kv.Key != "separator").Sum(kv => kv.Value.Selected);
            long clean = Selection.Where(kv => ProvenanceInfo.Parse(kv.Key) is Provenance p && p.IsCleanKind()).Sum(kv => kv.Value.Selected);
            return sel > 0 ? (double)clean / sel : double.NaN;
        }
    }

    /// <summary>The seed of the run (null for the reference and base models, and for a mean over seeds).</summary>
    public ulong? Seed { get; init; }

    /// <summary>Gold answers of the problems decoded at the last evaluation, in decode order (empty when none were written).</summary>
    public IReadOnlyList<string> GoldAnswers { get; init; } = [];

    /// <summary>The chance level of the problems its final accuracy was measured on.</summary>
    public ChanceLevel Chance => ChanceLevel.Of(GoldAnswers, Final.AccuracyProblems);

    // The "answer" of each line the training run wrote for its last evaluation; a missing file (no decoding) gives none.
    private static IReadOnlyList<string> ReadGoldAnswers(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        // JsonlReader names the file and line of a record that is not a JSON object.
        return [.. JsonlReader.Read(path, BadLinePolicy.Abort, new JsonlReport())
            .Select(r => r.Record["answer"] is JsonValue v && v.TryGetValue(out string? a) ? a : throw new SiftException($"{path}:{r.Line}: no \"answer\" string"))];
    }

    /// <summary>
    /// The mean over seeds of one arm's runs: curves, final figures (per tier too) and FLOPs averaged point by point
    /// (every run of an arm evaluates at the same steps), selection counts summed, seconds summed.
    /// </summary>
    public static ArmResult Mean(IReadOnlyList<ArmResult> runs)
    {
        if (runs.Count == 0)
        {
            throw new ArgumentException("no runs to average", nameof(runs));
        }
        if (runs.Count == 1)
        {
            return runs[0] with { Seed = null };
        }
        var first = runs[0];
        if (runs.Any(r => r.Curve.Count != first.Curve.Count || r.Curve.Select(p => p.Step).Zip(first.Curve.Select(p => p.Step)).Any(x => x.First != x.Second)))
        {
            throw new SiftException($"{first.Name}: the seeds' runs were evaluated at different steps; delete the demo folder's student runs to redo them");
        }
        static double Avg(IEnumerable<double> xs) => xs.Average();
        var curve = first.Curve.Select((p, i) => new EvalPoint(p.Step, p.Tokens, (long)Math.Round(Avg(runs.Select(r => (double)r.Curve[i].TrainedTokens))),
            Avg(runs.Select(r => r.Curve[i].CleanLoss)), Avg(runs.Select(r => r.Curve[i].AnswerLoss)), Avg(runs.Select(r => r.Curve[i].Accuracy)))).ToList();
        var evals = first.Evaluations.Count == first.Curve.Count && runs.All(r => r.Evaluations.Count == first.Curve.Count)
            ? first.Curve.Select((_, i) => MeanLine(runs.Select(r => r.Evaluations[i]).ToList())).ToList()
            : [];
        var selection = new Dictionary<string, (long Selected, long Seen)>(StringComparer.Ordinal);
        foreach (var (kind, c) in runs.SelectMany(r => r.Selection))
        {
            var (s, n) = selection.GetValueOrDefault(kind);
            selection[kind] = (s + c.Selected, n + c.Seen);
        }
        var byStep = first.SelectionByStep.Select(x => x.Step).Where(step => runs.All(r => r.SelectionByStep.Any(y => y.Step == step))).Select(step =>
        {
            var sum = new Dictionary<string, (long Selected, long Seen)>(StringComparer.Ordinal);
            foreach (var (kind, c) in runs.SelectMany(r => r.SelectionByStep.First(y => y.Step == step).Counts))
            {
                var (s, n) = sum.GetValueOrDefault(kind);
                sum[kind] = (s + c.Selected, n + c.Seen);
            }
            return (step, (IReadOnlyDictionary<string, (long, long)>)sum);
        }).ToList();
        return first with
        {
            Seed = null,
            Curve = curve,
            Evaluations = evals,
            Final = evals.Count > 0 ? evals[^1] : MeanLine(runs.Select(r => r.Final).ToList()),
            TrainedTokens = (long)Math.Round(runs.Average(r => (double)r.TrainedTokens)),
            Selection = selection,
            SelectionByStep = byStep,
            Flops = runs.Average(r => r.Flops),
            Seconds = runs.Sum(r => r.Seconds),
            ObjectiveShare = runs.Select(r => r.ObjectiveShare).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average(),
        };
    }

    // The mean of evaluation records taken at the same step: losses and accuracies, overall and per tier.
    private static MetricsLine MeanLine(IReadOnlyList<MetricsLine> lines)
    {
        static double? Avg(IEnumerable<double?> xs)
        {
            var v = xs.ToList();
            return v.All(x => x is not null) ? Math.Round(v.Average(x => x!.Value), 6) : null;
        }
        var tiers = lines[0].Tiers?.Keys.Where(t => lines.All(l => l.Tiers?.ContainsKey(t) == true)).ToDictionary(t => t, t => new TierEval
        {
            CleanLoss = Avg(lines.Select(l => l.Tiers![t].CleanLoss)),
            AnswerLoss = Avg(lines.Select(l => l.Tiers![t].AnswerLoss)),
            Accuracy = Avg(lines.Select(l => l.Tiers![t].Accuracy)),
            AccuracyProblems = lines[0].Tiers![t].AccuracyProblems,
        }, StringComparer.Ordinal);
        return new MetricsLine
        {
            Step = lines[0].Step,
            Tokens = lines[0].Tokens,
            TrainedTokens = (long)Math.Round(lines.Average(l => (double)l.TrainedOrTokens)),
            CleanLoss = Avg(lines.Select(l => l.CleanLoss)),
            AnswerLoss = Avg(lines.Select(l => l.AnswerLoss)),
            Accuracy = Avg(lines.Select(l => l.Accuracy)),
            AccuracyProblems = lines[0].AccuracyProblems,
            Tiers = tiers,
        };
    }

    /// <summary>Reads a training stage's metrics.jsonl into a result.</summary>
    public static ArmResult FromStage(StageRecord<TrainStageResult> stage, ObjectiveSpec? objective)
    {
        var result = stage.Result;
        if (!File.Exists(result.Metrics))
        {
            throw new SiftException($"{result.Metrics}: missing; delete {stage.Folder} to redo the {stage.Name} stage");
        }
        var curve = new List<EvalPoint>();
        var evals = new List<MetricsLine>();
        var byStep = new List<(long, IReadOnlyDictionary<string, (long, long)>)>();
        var selection = new Dictionary<string, (long Selected, long Seen)>(StringComparer.Ordinal);
        MetricsLine? final = null;
        int lineNo = 0;
        foreach (string l in File.ReadLines(result.Metrics))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(l))
            {
                continue;
            }
            var r = MetricsLog.TryParse(l) ?? throw new SiftException($"{result.Metrics}:{lineNo}: not a metrics record; delete {stage.Folder} to redo the {stage.Name} stage");
            if (r.HasProbe)
            {
                curve.Add(new EvalPoint(r.Step, r.Tokens, r.TrainedOrTokens, r.CleanLoss ?? double.NaN, r.AnswerLoss ?? double.NaN, r.Accuracy ?? double.NaN));
                evals.Add(r);
                final = r;
            }
            if (r.SelectedCounts is { } counts)
            {
                foreach (var (kind, v) in counts)
                {
                    var (s, n) = selection.GetValueOrDefault(kind);
                    selection[kind] = (s + v[0], n + v[1]);
                }
                byStep.Add((r.Step, new Dictionary<string, (long, long)>(selection, StringComparer.Ordinal)));
            }
        }
        if (final is null)
        {
            throw new SiftException($"{result.Metrics}: no evaluation records (clean_loss); the {stage.Name} stage did not evaluate on the held-out problems");
        }
        return new ArmResult(objective?.Name ?? stage.Name, curve, result.Tokens, result.TrainedTokens, final, selection, result.TrainFlops, stage.Seconds)
        {
            GoldAnswers = ReadGoldAnswers(Path.Combine(stage.Folder, "eval-completions.jsonl")),
            Objective = objective,
            Evaluations = evals,
            SelectionByStep = byStep,
            ObjectiveShare = result.StepSeconds > 0 ? result.ObjectiveSeconds / result.StepSeconds : double.NaN,
        };
    }
}

/// <summary>The accuracy of always giving the most common gold answer: what a model that ignores the question can score.</summary>
/// <param name="Answer">The most common gold answer (ties: the first in decode order).</param>
/// <param name="Accuracy">Its share of the problems.</param>
/// <param name="Problems">The problems counted (0: unknown).</param>
internal readonly record struct ChanceLevel(string? Answer, double Accuracy, int Problems)
{
    /// <summary>The chance level of the first <paramref name="problems"/> gold answers (all when it is null or larger).</summary>
    public static ChanceLevel Of(IReadOnlyList<string> gold, int? problems)
    {
        int n = Math.Min(gold.Count, problems is int p and > 0 ? p : gold.Count);
        if (n == 0)
        {
            return default;
        }
        var best = gold.Take(n).Select((g, i) => (g, i)).GroupBy(x => x.g, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.First().i).First();
        return new ChanceLevel(best.Key, (double)best.Count() / n, n);
    }
}

/// <summary>The students of one seed: every arm trained with that seed's initialisation and data order.</summary>
/// <param name="Seed">The seed.</param>
/// <param name="Arms">Its students, in arm order.</param>
internal sealed record SeedRun(ulong Seed, IReadOnlyList<ArmResult> Arms)
{
    /// <summary>The arm named <paramref name="name"/>, or null.</summary>
    public ArmResult? Arm(string name) => Arms.FirstOrDefault(a => a.Name == name);
}

/// <summary>
/// Everything the demo measured, ready for the report, the console table and the JSON summary: the students of every
/// seed (<see cref="Runs"/>), their means over seeds (<see cref="Arms"/>, what the tables and curves show) and the
/// comparison with intervals (<see cref="Verdict"/>).
/// </summary>
internal sealed record DemoResult
{
    /// <summary>The students of each seed, in seed order.</summary>
    public required IReadOnlyList<SeedRun> Runs { get; init; }

    /// <summary>The base model (continued regime), or null.</summary>
    public ArmResult? Base { get; init; }

    /// <summary>SLM against CLM over the seeds: means, spreads, paired differences, speedups with intervals.</summary>
    public DemoVerdict Verdict => DemoVerdict.Of(this);

    /// <summary>The options it ran with.</summary>
    public required DemoOptions Options { get; init; }

    /// <summary>The output folder.</summary>
    public required string Folder { get; init; }

    /// <summary>Stages in run order (with their wall times and whether they were cached).</summary>
    public required IReadOnlyList<StageRecord> Stages { get; init; }

    /// <summary>The reference model.</summary>
    public required ArmResult Reference { get; init; }

    /// <summary>Students by name, in run order: each the mean of its runs over the seeds.</summary>
    public required IReadOnlyList<ArmResult> Arms { get; init; }

    /// <summary>Share of the web corpus's tokens per provenance kind.</summary>
    public required IReadOnlyDictionary<string, double> CorpusShares { get; init; }

    /// <summary>FLOPs of scoring the web corpus with the reference model.</summary>
    public required double ScoringFlops { get; init; }

    /// <summary>The command line that produced it (for the report).</summary>
    public string Command { get; init; } = "./sift demo";

    /// <summary>Wall time of this invocation.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>Load average (1 minute) at the start and at the end, to judge timings on a shared machine.</summary>
    public (double Start, double End) Load { get; init; }

    /// <summary>Name of the selective objective the demo is about (Rho-1's SLM).</summary>
    public static string Slm => SlmObjective.Spec.Name;

    /// <summary>The arm named <paramref name="name"/>, or null.</summary>
    public ArmResult? Arm(string name) => Arms.FirstOrDefault(a => a.Name == name);

    /// <summary>The baseline every speedup is measured against (CLM).</summary>
    public ArmResult Baseline => Arm(ObjectiveRegistry.Clm.Name) ?? throw new InvalidOperationException("the demo always trains the CLM baseline");

    /// <summary>The baseline's final clean loss, the target of the speedups.</summary>
    public double Target => Baseline.CleanLoss;

    /// <summary>Speedups of <paramref name="arm"/> against CLM (null when it never reaches CLM's final clean loss).</summary>
    public (double? Tokens, double? Selected, Crossing? Baseline, Crossing? Arm) SpeedupOf(string arm)
    {
        var a = Arm(arm);
        if (a is null)
        {
            return (null, null, null, null);
        }
        var s = Speedup.Against(Baseline.Curve, a.Curve);
        return (s.Tokens, s.Selected, s.Baseline, s.Arm);
    }

    /// <summary>
    /// Compute to reach CLM's final clean loss, in FLOPs: CLM's training FLOPs up to its crossing, against SLM's up to
    /// its crossing plus what SLM needed first (training the reference model and scoring the corpus), or null.
    /// </summary>
    public (double Clm, double Slm, double SlmWithReference)? FlopsToTarget()
    {
        var s = SpeedupOf(Slm);
        if (s.Baseline is null || s.Arm is null || Arm(Slm) is not ArmResult slm)
        {
            return null;
        }
        var clm = Baseline;
        double clmF = clm.Flops / clm.Tokens * s.Baseline.Tokens, slmF = slm.Flops / slm.Tokens * s.Arm.Tokens;
        return (clmF, slmF, slmF + Reference.Flops + ScoringFlops);
    }
}
