using Sift.Eval.Datasets;
using Sift.Eval.Grading;
using Sift.Grading;

namespace Sift.Eval.Samples;

/// <summary>How re-graded verdicts compare with the verdicts stored in the input file.</summary>
/// <param name="Compared">Completions that had a stored verdict.</param>
/// <param name="CompatAgree">Of those, how many compat verdicts agree.</param>
/// <param name="StrictAgree">Of those, how many strict verdicts agree.</param>
/// <param name="StoredCorrectFirst">Problems whose first stored verdict is correct.</param>
/// <param name="StoredProblems">Problems with a stored first verdict.</param>
internal sealed record StoredAgreement(int Compared, int CompatAgree, int StrictAgree, int StoredCorrectFirst, int StoredProblems);

/// <summary>Grades completions made elsewhere in both modes, with no model.</summary>
internal static class Regrader
{
    /// <summary>Grades every completion (in parallel over problems) and returns Sift sample records, in input order.</summary>
    public static List<SampleRecord> Grade(IReadOnlyList<CompletionProblem> problems, DatasetDefinition def, GradeOptions? options = null,
        Action<int>? progress = null, CancellationToken cancel = default)
    {
        var grader = new SampleGrader(def.MultipleChoice, options);
        var graded = new List<SampleRecord>[problems.Count];
        int done = 0;
        Parallel.For(0, problems.Count, new ParallelOptions { CancellationToken = cancel }, i =>
        {
            var p = problems[i];
            var list = new List<SampleRecord>(p.Items.Count);
            for (int k = 0; k < p.Items.Count; k++)
            {
                var item = p.Items[k];
                var v = grader.Grade(p.Gold, p.CompatGold, item.Completion, item.ProgramResult, cancel);
                list.Add(new SampleRecord
                {
                    Idx = p.Idx,
                    Sample = k,
                    Question = p.Question,
                    Gold = p.Gold,
                    GoldCompat = p.CompatGold,
                    Subject = p.Subject,
                    Level = p.Level,
                    Completion = item.Completion,
                    ProgramResult = item.ProgramResult,
                    Score = item.Score,
                    Strict = v.Strict,
                    Compat = v.Compat,
                });
            }
            graded[i] = list;
            progress?.Invoke(Interlocked.Increment(ref done));
        });
        return graded.SelectMany(g => g).ToList();
    }

    /// <summary>Agreement of re-graded verdicts with the file's stored ones.</summary>
    public static StoredAgreement Agreement(IReadOnlyList<CompletionProblem> problems, IReadOnlyList<SampleRecord> graded)
    {
        var byKey = graded.ToDictionary(r => (r.Idx, r.Sample));
        int compared = 0, compat = 0, strict = 0, firstOk = 0, firstN = 0;
        foreach (var p in problems)
        {
            for (int k = 0; k < p.Items.Count; k++)
            {
                if (p.Items[k].StoredCorrect is not bool stored || !byKey.TryGetValue((p.Idx, k), out var r))
                {
                    continue;
                }
                compared++;
                compat += r.Compat.Correct == stored ? 1 : 0;
                strict += r.Strict.Correct == stored ? 1 : 0;
                if (k == 0)
                {
                    firstN++;
                    firstOk += stored ? 1 : 0;
                }
            }
        }
        return new StoredAgreement(compared, compat, strict, firstOk, firstN);
    }
}
