using Sift.Core;
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
        return new ArmResult(stage.Name, curve, result.Tokens, result.TrainedTokens, final, selection, result.TrainFlops, stage.Seconds)
        {
            Objective = objective,
            Evaluations = evals,
            SelectionByStep = byStep,
            ObjectiveShare = result.StepSeconds > 0 ? result.ObjectiveSeconds / result.StepSeconds : double.NaN,
        };
    }
}

/// <summary>Everything the demo measured, ready for the report, the console table and the JSON summary.</summary>
internal sealed record DemoResult
{
    /// <summary>The options it ran with.</summary>
    public required DemoOptions Options { get; init; }

    /// <summary>The output folder.</summary>
    public required string Folder { get; init; }

    /// <summary>Stages in run order (with their wall times and whether they were cached).</summary>
    public required IReadOnlyList<StageRecord> Stages { get; init; }

    /// <summary>The reference model.</summary>
    public required ArmResult Reference { get; init; }

    /// <summary>Students by name, in run order.</summary>
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
