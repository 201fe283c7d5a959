using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Eval.Metrics;
using Sift.Grading;

namespace Sift.Eval.Samples;

/// <summary>Where the verdicts of a scored samples file came from.</summary>
internal enum VerdictSource
{
    /// <summary>A Sift samples.jsonl: each line carries its strict and compat verdicts.</summary>
    Samples,

    /// <summary>A harness file's own <c>score</c> lists (compat mode: the harness's verdicts, read as they are).</summary>
    Stored,

    /// <summary>A harness file's completions, graded here (strict mode, or compat without stored verdicts).</summary>
    Regraded,
}

/// <summary>Problems of a scored samples file, ready for best-of-N curves.</summary>
/// <param name="Problems">One outcome per problem (file order), each sample with its verdict, vote class and score.</param>
/// <param name="Verdicts">Where the verdicts came from.</param>
/// <param name="NegativeScores">Samples with a score below zero (reward-weighted voting sums scores as given).</param>
internal sealed record ScoredSamples(IReadOnlyList<ProblemOutcome> Problems, VerdictSource Verdicts, int NegativeScores)
{
    /// <summary>The smallest pool (samples per problem): curves go up to N = this.</summary>
    public int Pool => Problems.Count == 0 ? 0 : Problems.Min(p => p.Samples.Count);

    /// <summary>The largest pool.</summary>
    public int MaxPool => Problems.Count == 0 ? 0 : Problems.Max(p => p.Samples.Count);
}

/// <summary>
/// Reads a samples file with a reward score per sample: Sift's <c>samples.jsonl</c> (what <c>sift eval</c> writes)
/// with <c>score</c> added per line, or a harness output file (ZG / Qwen2.5-Math rows: <c>code</c>, <c>pred</c>,
/// <c>score</c> = verdicts, <c>pred_score</c> = reward per sample, a number or <c>[number]</c>). Every problem with a
/// missing score, a score list that does not line up with the samples, or no gold answer stops the read with
/// <c>file:line</c> and the field.
/// </summary>
internal static class ScoredSamplesFile
{
    /// <summary>
    /// Reads and grades what is needed for <paramref name="mode"/>. Sift samples keep their verdicts; harness rows use
    /// their stored verdicts in compat mode and are re-graded otherwise (that needs <paramref name="dataset"/>, for
    /// the gold answer and the extractor). Vote classes: compat votes on the normalised answer strings, strict by
    /// equivalence under the strict grader (<see cref="SampleOutcomes.Build"/>), computed once per problem.
    /// </summary>
    public static ScoredSamples Read(string path, GradeMode mode, DatasetDefinition? dataset = null, GradeOptions? grading = null, Action<int, int>? progress = null)
    {
        var records = new List<SampleRecord>();
        var rows = new List<HarnessRow>();
        var seen = new Dictionary<(int, int), int>();
        var report = new JsonlReport();
        int position = 0;
        foreach (var (line, o) in JsonlReader.Read(path, BadLinePolicy.Abort, report))
        {
            string where = $"{path}:{line}";
            bool sift = o.ContainsKey("sample") && o.ContainsKey("completion");
            bool harness = o.ContainsKey("pred") || o.ContainsKey("code");
            if (!sift && !harness)
            {
                throw new SiftException($"{where}: expected a Sift sample (\"sample\", \"completion\", \"score\") or a harness row (\"code\"/\"pred\", \"pred_score\")");
            }
            if ((sift && rows.Count > 0) || (!sift && records.Count > 0))
            {
                throw new SiftException($"{where}: this line's layout differs from the lines before it (Sift samples and harness rows cannot be mixed)");
            }
            if (sift)
            {
                var r = SiftLine(o, where);
                if (seen.TryGetValue((r.Idx, r.Sample), out int first))
                {
                    throw new SiftException($"{where}: idx {r.Idx} sample {r.Sample} appears twice (first on line {first})");
                }
                seen[(r.Idx, r.Sample)] = line;
                records.Add(r);
            }
            else
            {
                var row = HarnessLine(o, where, position);
                if (seen.TryGetValue((row.Idx, -1), out int first))
                {
                    throw new SiftException($"{where}: idx {row.Idx} appears twice (first on line {first})");
                }
                seen[(row.Idx, -1)] = line;
                rows.Add(row);
            }
            position++;
        }
        if (records.Count == 0 && rows.Count == 0)
        {
            throw new SiftException($"{path}: no samples found");
        }
        var opts = grading ?? GradeOptions.Default;
        if (records.Count > 0)
        {
            return Finish(SampleOutcomes.Build(records, mode, opts), VerdictSource.Samples);
        }
        if (mode == GradeMode.Compat && rows.All(r => r.Stored is not null))
        {
            var stored = rows.Select(r => ProblemOutcome.Create(r.Idx, null, null,
                r.Stored!.Select((v, k) => new SampleOutcome(v.Answer, v.Correct, r.Scores[k])).ToList(), ExactVote.Instance)).ToList();
            return Finish(stored, VerdictSource.Stored);
        }
        if (dataset is null)
        {
            throw new SiftException($"{path}: harness rows {(mode == GradeMode.Compat ? "without stored \"pred\"/\"score\" verdicts " : "")}are graded from their completions: give --dataset (e.g. math500){(mode == GradeMode.Strict ? ", or --mode compat to use the file's stored verdicts" : "")}");
        }
        if (rows.FirstOrDefault(r => !r.HasCompletions) is { } bare)
        {
            throw new SiftException($"{bare.Where}: missing \"code\" (the completions to grade)");
        }
        var problems = CompletionFile.Read(path, dataset);
        var graded = Regrader.Grade(problems, dataset, opts, done => progress?.Invoke(done, problems.Count));
        return Finish(SampleOutcomes.Build(graded, mode, opts), VerdictSource.Regraded);
    }

    private static ScoredSamples Finish(IReadOnlyList<ProblemOutcome> problems, VerdictSource source) =>
        new(problems, source, problems.Sum(p => p.Samples.Count(s => s.Score < 0)));

    private static SampleRecord SiftLine(JsonObject o, string where)
    {
        SampleRecord r;
        try
        {
            r = SampleRecord.FromJson(o);
        }
        catch (SiftException ex)
        {
            throw new SiftException($"{where}: {ex.Message}");
        }
        if (!o.ContainsKey("score") || o["score"] is null)
        {
            throw new SiftException($"{where}: missing \"score\" (a number) for idx {r.Idx} sample {r.Sample}: score the samples first (sift rm score)");
        }
        if (r.Score is null)
        {
            throw new SiftException($"{where}: \"score\" is not a number for idx {r.Idx} sample {r.Sample}");
        }
        return r;
    }

    private sealed record HarnessRow(string Where, int Idx, double[] Scores, IReadOnlyList<(string Answer, bool Correct)>? Stored, bool HasCompletions);

    private static HarnessRow HarnessLine(JsonObject o, string where, int position)
    {
        int idx = o["idx"] is JsonValue iv && iv.TryGetValue(out int i) ? i : position;
        var code = o["code"] as JsonArray;
        var pred = o["pred"] as JsonArray;
        if (o.ContainsKey("code") && code is null)
        {
            throw new SiftException($"{where}: \"code\" must be a list of completions");
        }
        int n = code?.Count ?? pred?.Count ?? throw new SiftException($"{where}: \"pred\" must be a list of answers");
        string samplesField = code is not null ? "code" : "pred";
        if (n == 0)
        {
            throw new SiftException($"{where}: \"{samplesField}\" is empty");
        }
        if (o["pred_score"] is not JsonArray rm)
        {
            throw new SiftException($"{where}: missing \"pred_score\" (a list with one reward score per sample) for idx {idx}");
        }
        if (rm.Count != n)
        {
            throw new SiftException($"{where}: \"pred_score\" has {rm.Count} entries but \"{samplesField}\" has {n} (idx {idx}): samples and scores must line up");
        }
        var scores = new double[n];
        for (int k = 0; k < n; k++)
        {
            scores[k] = rm[k] switch
            {
                JsonValue v when v.TryGetValue(out double d) => d,
                // Qwen's reward scores are lists with one value per sample: [[3.5], [3.4], ...].
                JsonArray { Count: 1 } a when a[0] is JsonValue v && v.TryGetValue(out double d) => d,
                _ => throw new SiftException($"{where}: pred_score[{k}] is not a number or [number] (idx {idx})"),
            };
        }
        if (o["gt"] is null && o["answer"] is null)
        {
            throw new SiftException($"{where}: missing \"gt\" (the gold answer) for idx {idx}");
        }
        List<(string, bool)>? stored = null;
        if (pred is not null && o["score"] is JsonArray verdicts)
        {
            if (pred.Count != n || verdicts.Count != n)
            {
                throw new SiftException($"{where}: \"pred\" has {pred.Count} and \"score\" has {verdicts.Count} entries but there are {n} samples (idx {idx})");
            }
            stored = [];
            for (int k = 0; k < n; k++)
            {
                if (verdicts[k] is not JsonValue sv || !sv.TryGetValue(out bool ok))
                {
                    throw new SiftException($"{where}: score[{k}] is not true/false (idx {idx})");
                }
                stored.Add((pred[k] is null ? "" : Py.Str(pred[k]), ok));
            }
        }
        return new HarnessRow(where, idx, scores, stored, code is not null);
    }
}
