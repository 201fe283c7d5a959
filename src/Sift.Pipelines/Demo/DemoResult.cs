using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Synth;

namespace Sift.Pipelines.Demo;

/// <summary>One student (or the reference model) after training.</summary>
/// <param name="Name">clm, slm, random or reference.</param>
/// <param name="Curve">Evaluations in training order.</param>
/// <param name="Tokens">Tokens processed.</param>
/// <param name="TrainedTokens">Tokens that received gradient.</param>
/// <param name="Final">The last evaluation record (clean_loss, answer_loss, accuracy, tiers, ...).</param>
/// <param name="Selection">Per provenance kind: tokens selected and tokens seen over the whole run (empty for clm).</param>
/// <param name="Flops">Training FLOPs.</param>
/// <param name="Seconds">Wall time of the training stage.</param>
public sealed record ArmResult(string Name, IReadOnlyList<EvalPoint> Curve, long Tokens, long TrainedTokens, JsonObject Final,
    IReadOnlyDictionary<string, (long Selected, long Seen)> Selection, double Flops, double Seconds)
{
    /// <summary>The full evaluation records, parallel to <see cref="Curve"/>.</summary>
    public IReadOnlyList<JsonObject> Evaluations { get; init; } = [];

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
    public double CleanLoss => Number(Final, "clean_loss");

    /// <summary>Final loss on the answer tokens.</summary>
    public double AnswerLoss => Number(Final, "answer_loss");

    /// <summary>Final greedy accuracy.</summary>
    public double Accuracy => Number(Final, "accuracy");

    /// <summary>Final accuracy of one tier, or NaN.</summary>
    public double TierAccuracy(string tier) => Final["tiers"]?[tier] is JsonObject t ? Number(t, "accuracy") : double.NaN;

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
    public static ArmResult FromStage(StageRecord stage)
    {
        string metrics = DemoStages.Str(stage, "metrics");
        var curve = new List<EvalPoint>();
        var evals = new List<JsonObject>();
        var byStep = new List<(long, IReadOnlyDictionary<string, (long, long)>)>();
        var selection = new Dictionary<string, (long Selected, long Seen)>(StringComparer.Ordinal);
        JsonObject? final = null;
        int line = 0;
        foreach (string l in File.ReadLines(metrics))
        {
            line++;
            if (string.IsNullOrWhiteSpace(l))
            {
                continue;
            }
            JsonObject r;
            try
            {
                r = JsonNode.Parse(l) as JsonObject ?? throw new SiftException($"{metrics}:{line}: expected a JSON object");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new SiftException($"{metrics}:{line}: invalid JSON ({ex.Message}); delete {stage.Folder} to redo the {stage.Name} stage");
            }
            if (r["clean_loss"] is JsonValue)
            {
                curve.Add(new EvalPoint((long)r["step"]!, (long)r["tokens"]!, r["trained_tokens"] is JsonValue t ? (long)t : (long)r["tokens"]!,
                    Number(r, "clean_loss"), Number(r, "answer_loss"), Number(r, "accuracy")));
                evals.Add(r);
                final = r;
            }
            if (r["selected_counts"] is JsonObject counts)
            {
                foreach (var (kind, v) in counts)
                {
                    var (s, n) = selection.GetValueOrDefault(kind);
                    selection[kind] = (s + (long)v![0]!, n + (long)v[1]!);
                }
                byStep.Add(((long)r["step"]!, new Dictionary<string, (long, long)>(selection, StringComparer.Ordinal)));
            }
        }
        if (final is null)
        {
            throw new SiftException($"{metrics}: no evaluation records (clean_loss); the {stage.Name} stage did not evaluate on the held-out problems");
        }
        return new ArmResult(stage.Name, curve, (long)stage.Result["tokens"]!, (long)stage.Result["trained_tokens"]!, final, selection,
            (double)stage.Result["flops"]!, stage.Seconds)
        {
            Evaluations = evals,
            SelectionByStep = byStep,
            ObjectiveShare = Number(stage.Result, "step_seconds") is double st && st > 0 ? Number(stage.Result, "objective_seconds") / st : double.NaN,
        };
    }

    /// <summary>A numeric field, or NaN when absent or not a number.</summary>
    public static double Number(JsonNode? o, string field) =>
        o?[field] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (double)v : double.NaN;
}

/// <summary>Everything the demo measured, ready for the report, the console table and the JSON summary.</summary>
public sealed record DemoResult
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

    /// <summary>The arm named <paramref name="name"/>, or null.</summary>
    public ArmResult? Arm(string name) => Arms.FirstOrDefault(a => a.Name == name);

    /// <summary>CLM's final clean loss, the target of the speedups.</summary>
    public double Target => Arm("clm")!.CleanLoss;

    /// <summary>Speedups of <paramref name="arm"/> against CLM (null when it never reaches CLM's final clean loss).</summary>
    public (double? Tokens, double? Selected, Crossing? Baseline, Crossing? Arm) SpeedupOf(string arm)
    {
        var a = Arm(arm);
        if (a is null)
        {
            return (null, null, null, null);
        }
        var s = Speedup.Against(Arm("clm")!.Curve, a.Curve);
        return (s.Tokens, s.Selected, s.Baseline, s.Arm);
    }

    /// <summary>
    /// Compute to reach CLM's final clean loss, in FLOPs: CLM's training FLOPs up to its crossing, against SLM's up to
    /// its crossing plus what SLM needed first (training the reference model and scoring the corpus), or null.
    /// </summary>
    public (double Clm, double Slm, double SlmWithReference)? FlopsToTarget()
    {
        var s = SpeedupOf("slm");
        if (s.Baseline is null || s.Arm is null || Arm("slm") is not ArmResult slm)
        {
            return null;
        }
        var clm = Arm("clm")!;
        double clmF = clm.Flops / clm.Tokens * s.Baseline.Tokens, slmF = slm.Flops / slm.Tokens * s.Arm.Tokens;
        return (clmF, slmF, slmF + Reference.Flops + ScoringFlops);
    }
}
