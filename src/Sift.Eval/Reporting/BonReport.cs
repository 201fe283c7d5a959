using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Eval.Metrics;
using Sift.Eval.Samples;
using Sift.Grading;

namespace Sift.Eval.Reporting;

/// <summary>One N of the best-of-N curves, percent (0–100); Bon/Weighted are null without scores.</summary>
internal sealed record BonRow(int N, CurvePoint Pass, CurvePoint Majority, CurvePoint? Bon, CurvePoint? Weighted, double PassExact, double? BonExact)
{
    /// <summary>What the verifier adds over plain voting: best-of-N minus maj@N, points.</summary>
    public double? BonGain => Bon is null ? null : Bon.Mean - Majority.Mean;

    /// <summary>Reward-weighted voting minus maj@N, points.</summary>
    public double? WeightedGain => Weighted is null ? null : Weighted.Mean - Majority.Mean;
}

/// <summary><c>sift bon</c> output: the curves as rows, as JSON and as a Markdown table.</summary>
internal static class BonReport
{
    /// <summary>Rows by N from the curves, with the exact pass@N and best-of-N expectations beside the sampled means.</summary>
    public static IReadOnlyList<BonRow> Rows(IReadOnlyList<ProblemOutcome> problems, IReadOnlyList<ScalingCurve> curves)
    {
        CurvePoint? At(Selector s, int i) => curves.FirstOrDefault(c => c.Selector == s)?.Points[i];
        var pass = curves.First(c => c.Selector == Selector.Pass).Points;
        return pass.Select((p, i) => new BonRow(p.N, p, At(Selector.Majority, i)!, At(Selector.BestOfN, i), At(Selector.Weighted, i),
            ExactCurves.Pass(problems, p.N), ExactCurves.BestOfN(problems, p.N))).ToList();
    }

    /// <summary>
    /// <c>{"problems", "pool", "mode", "verdicts", "trials", "seed", "curves": [{"n", "pass", "majority", "bon",
    /// "weighted", "pass_std", …, "pass_exact", "bon_exact"}]}</c>; values rounded to 4 decimals.
    /// </summary>
    public static JsonObject Json(ScoredSamples input, IReadOnlyList<BonRow> rows, GradeMode mode, int trials, ulong seed)
    {
        var curves = new JsonArray();
        foreach (var r in rows)
        {
            var o = new JsonObject
            {
                ["n"] = r.N,
                ["pass"] = R(r.Pass.Mean),
                ["majority"] = R(r.Majority.Mean),
                ["bon"] = r.Bon is null ? null : R(r.Bon.Mean),
                ["weighted"] = r.Weighted is null ? null : R(r.Weighted.Mean),
                ["pass_std"] = R(r.Pass.Std),
                ["majority_std"] = R(r.Majority.Std),
                ["bon_std"] = r.Bon is null ? null : R(r.Bon.Std),
                ["weighted_std"] = r.Weighted is null ? null : R(r.Weighted.Std),
                ["pass_exact"] = R(r.PassExact),
                ["bon_exact"] = r.BonExact is double b ? R(b) : null,
                ["bon_gain"] = r.BonGain is double bg ? R(bg) : null,
                ["weighted_gain"] = r.WeightedGain is double wg ? R(wg) : null,
            };
            curves.Add(o);
        }
        var result = new JsonObject
        {
            ["problems"] = input.Problems.Count,
            ["pool"] = input.Pool,
            ["mode"] = MetricsReport.Name(mode),
            ["verdicts"] = input.Verdicts.ToString().ToLowerInvariant(),
            ["trials"] = trials,
            ["seed"] = seed,
            ["curves"] = curves,
        };
        if (input.MaxPool != input.Pool)
        {
            result["pool_max"] = input.MaxPool;
        }
        return result;
    }

    /// <summary>A Markdown table: mean ± std per selector and N.</summary>
    public static string Markdown(string title, ScoredSamples input, IReadOnlyList<BonRow> rows, GradeMode mode, int trials)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## {title}\n\n{input.Problems.Count} problems, pool {input.Pool}{(input.MaxPool != input.Pool ? $"–{input.MaxPool}" : "")}, {MetricsReport.Name(mode)} verdicts ({input.Verdicts.ToString().ToLowerInvariant()}), {trials} random subsets per N; accuracy %, mean ± std over subsets\n\n");
        sb.Append("| N | pass@N | maj@N | best-of-N | weighted maj@N |\n|---|---|---|---|---|\n");
        foreach (var r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {r.N} | {F(r.Pass)} | {F(r.Majority)} | {F(r.Bon)} | {F(r.Weighted)} |\n");
        }
        return sb.ToString();
    }

    private static string F(CurvePoint? p) => p is null ? "–" : string.Create(CultureInfo.InvariantCulture, $"{p.Mean:0.0} ± {p.Std:0.0}");

    private static double R(double v) => Math.Round(v, 4);
}
