using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Sift.Eval.Metrics;
using Sift.Grading;

namespace Sift.Eval.Reporting;

/// <summary>Writes metrics as JSON (<c>metrics.json</c>, <c>--json</c>) and as Markdown tables (console, <c>report.md</c>).</summary>
internal static class MetricsReport
{
    /// <summary>How the intervals were computed, stated in every JSON summary.</summary>
    public const string IntervalNote = "95% intervals: Wilson score for accuracy, maj@k and rm@k; percentile bootstrap over problems (1000 resamples) for pass@k, k>1";

    /// <summary>
    /// The JSON summary: <paramref name="run"/>'s fields, then the numbers of <paramref name="mode"/> at the top level
    /// (<c>num_samples</c> = problems, <c>accuracy</c> in percent, <c>maj@k</c>, <c>pass@k</c>, <c>rm@k</c>), then both modes under <c>modes</c>.
    /// </summary>
    public static JsonObject Json(JsonObject run, GradeMode mode, MetricsSummary strict, MetricsSummary compat)
    {
        var o = new JsonObject();
        foreach (var (k, v) in run)
        {
            o[k] = v?.DeepClone();
        }
        o["mode"] = Name(mode);
        foreach (var (k, v) in Numbers(mode == GradeMode.Compat ? compat : strict))
        {
            o[k] = v?.DeepClone();
        }
        o["interval"] = IntervalNote;
        o["modes"] = new JsonObject { ["strict"] = Numbers(strict), ["compat"] = Numbers(compat) };
        return o;
    }

    /// <summary>The numbers of one mode.</summary>
    public static JsonObject Numbers(MetricsSummary m)
    {
        var o = new JsonObject
        {
            ["num_samples"] = m.Problems,
            ["num_completions"] = m.Completions,
            ["samples_per_problem"] = m.SamplesPerProblem,
            ["accuracy"] = R(m.Accuracy.Percent),
            ["accuracy_ci95"] = Ci(m.Accuracy),
        };
        foreach (var (k, r) in m.MajorityAt)
        {
            o[$"maj@{k}"] = R(r.Percent);
            o[$"maj@{k}_ci95"] = Ci(r);
        }
        if (m.SamplesPerProblem > 1)
        {
            foreach (var (k, r) in m.PassAt)
            {
                o[$"pass@{k}"] = R(r.Percent);
                o[$"pass@{k}_ci95"] = Ci(r);
            }
        }
        foreach (var (k, r) in m.BestOfAt)
        {
            o[$"rm@{k}"] = R(r.Percent);
            o[$"rm@{k}_ci95"] = Ci(r);
        }
        o["no_answer"] = m.NoAnswer;
        o["timeouts"] = m.Timeouts;
        if (m.BySubject.Count > 0)
        {
            o["by_subject"] = Groups(m.BySubject, m.SamplesPerProblem);
        }
        if (m.ByLevel.Count > 0)
        {
            o["by_level"] = Groups(m.ByLevel, m.SamplesPerProblem);
        }
        return o;
    }

    /// <summary>Markdown: the headline table (both modes side by side), then breakdowns in <paramref name="mode"/>.</summary>
    public static string Markdown(string title, GradeMode mode, MetricsSummary strict, MetricsSummary compat)
    {
        var sb = new StringBuilder();
        sb.Append("## ").AppendLine(title).AppendLine();
        sb.AppendLine($"{strict.Problems} problems, {strict.Completions} completions ({strict.SamplesPerProblem} per problem). {IntervalNote}.").AppendLine();
        sb.AppendLine("| metric | strict | compat |");
        sb.AppendLine("|---|---|---|");
        sb.AppendLine($"| accuracy (first sample) | {F(strict.Accuracy)} | {F(compat.Accuracy)} |");
        foreach (int k in strict.MajorityAt.Keys)
        {
            sb.AppendLine($"| maj@{k} | {F(strict.MajorityAt[k])} | {F(compat.MajorityAt[k])} |");
        }
        if (strict.SamplesPerProblem > 1)
        {
            foreach (int k in strict.PassAt.Keys)
            {
                sb.AppendLine($"| pass@{k} | {F(strict.PassAt[k])} | {F(compat.PassAt[k])} |");
            }
        }
        foreach (int k in strict.BestOfAt.Keys)
        {
            sb.AppendLine($"| rm@{k} (best score) | {F(strict.BestOfAt[k])} | {F(compat.BestOfAt[k])} |");
        }
        sb.AppendLine($"| no answer extracted | {strict.NoAnswer} | {compat.NoAnswer} |");
        sb.AppendLine($"| grading timeouts | {strict.Timeouts} | {compat.Timeouts} |");
        var m = mode == GradeMode.Compat ? compat : strict;
        AppendGroups(sb, "subject", m.BySubject, m.SamplesPerProblem, Name(mode));
        AppendGroups(sb, "level", m.ByLevel, m.SamplesPerProblem, Name(mode));
        return sb.ToString();
    }

    /// <summary>"strict" or "compat".</summary>
    public static string Name(GradeMode mode) => mode.ToString().ToLowerInvariant();

    private static void AppendGroups(StringBuilder sb, string what, IReadOnlyList<GroupMetrics> groups, int n, string mode)
    {
        if (groups.Count == 0)
        {
            return;
        }
        sb.AppendLine().AppendLine($"By {what} ({mode}):").AppendLine();
        sb.AppendLine(n > 1 ? $"| {what} | problems | accuracy | maj@{n} |" : $"| {what} | problems | accuracy |");
        sb.AppendLine(n > 1 ? "|---|---|---|---|" : "|---|---|---|");
        foreach (var g in groups)
        {
            sb.AppendLine(n > 1 && g.Majority is { } mj ? $"| {g.Key} | {g.Accuracy.N} | {F(g.Accuracy)} | {F(mj)} |" : $"| {g.Key} | {g.Accuracy.N} | {F(g.Accuracy)} |");
        }
    }

    private static JsonObject Groups(IReadOnlyList<GroupMetrics> groups, int n)
    {
        var o = new JsonObject();
        foreach (var g in groups)
        {
            var e = new JsonObject { ["n"] = g.Accuracy.N, ["accuracy"] = R(g.Accuracy.Percent), ["ci95"] = Ci(g.Accuracy) };
            if (g.Majority is { } mj)
            {
                e[$"maj@{n}"] = R(mj.Percent);
            }
            o[g.Key] = e;
        }
        return o;
    }

    private static JsonArray Ci(Rate r) => [R(r.Lo), R(r.Hi)];

    private static double R(double v) => Math.Round(v, 2);

    private static string F(Rate r) => string.Create(CultureInfo.InvariantCulture, $"{r.Percent:0.0} [{r.Lo:0.0}, {r.Hi:0.0}]");
}
