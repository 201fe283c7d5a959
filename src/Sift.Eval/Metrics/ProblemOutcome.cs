namespace Sift.Eval.Metrics;

/// <summary>One graded completion, as metrics see it.</summary>
/// <param name="Answer">The extracted answer ("" when none).</param>
/// <param name="Correct">Its verdict.</param>
/// <param name="Score">A per-sample score for best-of-N (reward model, verifier), when there is one.</param>
/// <param name="TimedOut">Grading ran out of its time budget (the verdict is then false).</param>
internal sealed record SampleOutcome(string Answer, bool Correct, double? Score = null, bool TimedOut = false);

/// <summary>
/// A problem's graded completions in sample order, with each sample's vote class (equal classes = the same answer;
/// -1 = no answer, which never wins a vote unless every sample has none).
/// </summary>
internal sealed record ProblemOutcome(int Idx, string? Subject, string? Level, IReadOnlyList<SampleOutcome> Samples, IReadOnlyList<int> VoteClass)
{
    /// <summary>Builds an outcome, assigning vote classes with <paramref name="votes"/>.</summary>
    public static ProblemOutcome Create(int idx, string? subject, string? level, IReadOnlyList<SampleOutcome> samples, IVoteKey votes) =>
        new(idx, subject, level, samples, votes.Classes(samples.Select(s => s.Answer).ToList()));
}
