using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Eval.Metrics;

/// <summary>One ProcessBench solution: its split, the labelled earliest erroneous step (-1 = all steps correct) and the prediction.</summary>
internal sealed record StepCase(string Split, int Label, int Prediction);

/// <summary>ProcessBench numbers of one split (or the average over splits), percent.</summary>
/// <param name="Split">Split name, or "average" (the mean of the splits' numbers).</param>
/// <param name="Erroneous">Solutions with an error (label ≥ 0).</param>
/// <param name="Correct">Solutions without one (label -1).</param>
/// <param name="ErrorAccuracy">Share of erroneous solutions whose earliest error is predicted exactly.</param>
/// <param name="CorrectAccuracy">Share of correct solutions predicted correct (-1).</param>
/// <param name="F1">Harmonic mean of the two.</param>
internal sealed record ProcessBenchScore(string Split, int Erroneous, int Correct, double ErrorAccuracy, double CorrectAccuracy, double F1);

/// <summary>
/// ProcessBench (Qwen; spec §4.3): earliest-error identification. Per split, acc_err = mean(pred == label) over
/// solutions with an error, acc_corr = mean(pred == -1) over correct ones, F1 = 2·acc_err·acc_corr/(acc_err + acc_corr);
/// papers also report the average over splits. A scalar PRM predicts the first step whose score is below a threshold.
/// </summary>
internal static class ProcessBench
{
    /// <summary>The first step k with score below <paramref name="threshold"/>, or -1 when every step reaches it.</summary>
    public static int EarliestError(IReadOnlyList<double> stepScores, double threshold)
    {
        for (int k = 0; k < stepScores.Count; k++)
        {
            if (stepScores[k] < threshold)
            {
                return k;
            }
        }
        return -1;
    }

    /// <summary>One row per split (sorted by name) and, with more than one split, an "average" row.</summary>
    public static IReadOnlyList<ProcessBenchScore> Score(IEnumerable<StepCase> cases)
    {
        var rows = cases.GroupBy(c => c.Split).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var err = g.Where(c => c.Label >= 0).ToList();
            var ok = g.Where(c => c.Label < 0).ToList();
            double a = err.Count == 0 ? 0 : 100.0 * err.Count(c => c.Prediction == c.Label) / err.Count;
            double b = ok.Count == 0 ? 0 : 100.0 * ok.Count(c => c.Prediction < 0) / ok.Count;
            return new ProcessBenchScore(g.Key, err.Count, ok.Count, a, b, a + b == 0 ? 0 : 2 * a * b / (a + b));
        }).ToList();
        if (rows.Count > 1)
        {
            rows.Add(new ProcessBenchScore("average", rows.Sum(r => r.Erroneous), rows.Sum(r => r.Correct),
                rows.Average(r => r.ErrorAccuracy), rows.Average(r => r.CorrectAccuracy), rows.Average(r => r.F1)));
        }
        return rows;
    }

    /// <summary>
    /// Reads ProcessBench records with predictions, one JSON object per line: <c>label</c> (earliest erroneous step,
    /// -1 when none), and either <c>prediction</c> (the predicted index) or <c>step_scores</c> (one PRM score per step,
    /// turned into a prediction with <paramref name="threshold"/>); <c>split</c> when present, else the file name.
    /// </summary>
    public static List<StepCase> Read(string path, double? threshold)
    {
        var cases = new List<StepCase>();
        string fallback = Path.GetFileNameWithoutExtension(path);
        foreach (var (line, o) in JsonlReader.Read(path, BadLinePolicy.Abort, new JsonlReport()))
        {
            string where = $"{path}:{line}";
            if (o["label"] is not JsonValue lv || !lv.TryGetValue(out int label) || label < -1)
            {
                throw new SiftException($"{where}: missing \"label\" (the earliest erroneous step, or -1)");
            }
            int prediction;
            if (o["prediction"] is JsonValue pv && pv.TryGetValue(out int p))
            {
                prediction = p;
            }
            else if (o["step_scores"] is JsonArray steps)
            {
                if (threshold is not double t)
                {
                    throw new SiftException($"{where}: \"step_scores\" need --threshold (a step below it is the predicted error)");
                }
                var scores = steps.Select((s, k) => s is JsonValue sv && sv.TryGetValue(out double d) ? d : throw new SiftException($"{where}: step_scores[{k}] is not a number")).ToList();
                if (o["steps"] is JsonArray text && text.Count != scores.Count)
                {
                    throw new SiftException($"{where}: \"step_scores\" has {scores.Count} entries but \"steps\" has {text.Count}");
                }
                prediction = EarliestError(scores, t);
            }
            else
            {
                throw new SiftException($"{where}: missing \"prediction\" (an integer) or \"step_scores\" (a list of numbers)");
            }
            string split = o["split"] is JsonValue sp && sp.TryGetValue(out string? s) ? s : fallback;
            cases.Add(new StepCase(split, label, prediction));
        }
        if (cases.Count == 0)
        {
            throw new SiftException($"{path}: no records");
        }
        return cases;
    }
}
