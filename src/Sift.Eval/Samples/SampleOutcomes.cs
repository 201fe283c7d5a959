using Sift.Eval.Metrics;
using Sift.Grading;

namespace Sift.Eval.Samples;

/// <summary>Turns graded sample records into the per-problem outcomes metrics are computed from.</summary>
internal static class SampleOutcomes
{
    /// <summary>
    /// Groups records by problem (in order of first appearance, samples sorted) and reads one mode's verdicts.
    /// Votes: compat votes on the harness's normalised answer strings exactly (as Qwen2.5-Math's maj@k does);
    /// strict votes by equivalence under the strict grader (first answer of each class is its representative).
    /// </summary>
    public static List<ProblemOutcome> Build(IEnumerable<SampleRecord> records, GradeMode mode, GradeOptions? options = null)
    {
        var opts = options ?? GradeOptions.Default;
        IVoteKey votes = mode == GradeMode.Compat ? ExactVote.Instance
            : new EquivalenceVote((a, b) => Grader.Grade(a, b, GradeMode.Strict, opts).Equal);
        var groups = new Dictionary<int, List<SampleRecord>>();
        var order = new List<int>();
        foreach (var r in records)
        {
            if (!groups.TryGetValue(r.Idx, out var list))
            {
                groups[r.Idx] = list = [];
                order.Add(r.Idx);
            }
            list.Add(r);
        }
        var result = new ProblemOutcome[order.Count];
        Parallel.For(0, order.Count, i =>
        {
            var rs = groups[order[i]].GroupBy(r => r.Sample).Select(g => g.First()).OrderBy(r => r.Sample).ToList();
            var samples = rs.Select(r =>
            {
                var v = mode == GradeMode.Compat ? r.Compat : r.Strict;
                return new SampleOutcome(v.Answer, v.Correct, r.Score, v.TimedOut);
            }).ToList();
            result[i] = ProblemOutcome.Create(rs[0].Idx, rs[0].Subject, rs[0].Level, samples, votes);
        });
        return [.. result];
    }
}
