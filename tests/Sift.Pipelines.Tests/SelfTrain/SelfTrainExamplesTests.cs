using Sift.Data.Examples;
using Sift.Pipelines.SelfTrain;

namespace Sift.Pipelines.Tests.SelfTrain;

/// <summary>The data rules on hand-built graded samples: exact counts and contents.</summary>
public sealed class SelfTrainExamplesTests
{
    private const string Template = "Q: {question}\nA: ";

    // Problem 0: 2 right, 2 wrong, teacher solution. Problem 1: all right, teacher. Problem 2: all wrong, no teacher.
    // Problem 3: all wrong, teacher.
    private static readonly SelfTrainProblem[] Problems =
    [
        new(0, "a", 1, "1+1?", "2", "1+1=2 #### 2"),
        new(1, "b", 2, "2+2?", "4", "2+2=4 #### 4"),
        new(2, "c", 3, "3+3?", "6", null),
        new(3, "d", 4, "4+4?", "8", "4+4=8 #### 8"),
    ];

    private static SelfTrainSample S(int problem, int sample, bool correct, string text) => new()
    {
        Problem = problem,
        Sample = sample,
        Completion = text,
        Correct = correct,
        Answer = text[^1..],
        Feedback = correct ? null : $"The final answer {text[^1..]} is incorrect.",
    };

    private static readonly SelfTrainSample[] Samples =
    [
        S(0, 0, true, "r00 2"), S(0, 1, false, "w01 3"), S(0, 2, true, "r02 2"), S(0, 3, false, "w03 5"),
        S(1, 0, true, "r10 4"), S(1, 1, true, "r11 4"), S(1, 2, true, "r12 4"), S(1, 3, true, "r13 4"),
        S(2, 0, false, "w20 1"), S(2, 1, false, "w21 7"), S(2, 2, false, "w22 9"), S(2, 3, false, "w23 0"),
        S(3, 0, false, "w30 1"), S(3, 1, false, "w31 2"), S(3, 2, false, "w32 3"), S(3, 3, false, "w33 4"),
    ];

    [Fact]
    public void Kto_EverySolutionWithItsLabel_TeacherAmongThePositives()
    {
        // Shuffled input: the rule groups by problem and orders by sample.
        var b = SelfTrainExamples.Build(SelfTrainRule.Kto, Problems, [.. Samples.Reverse()], Template);
        Assert.Equal(ExampleKind.Kto, b.Kind);
        var rows = b.Examples.Select(e => $"{e.Problem} {e.Source} {e.Completion} {e.Label}").ToList();
        // Per problem: positives (samples, then the teacher), then negatives; problems round-robin, so the next
        // example (the packer's KL completion) is another problem's.
        Assert.Equal(
        [
            "0 sample:0 r00 2 True", "1 sample:0 r10 4 True", "2 sample:0 w20 1 False", "3 teacher 4+4=8 #### 8 True",
            "0 sample:2 r02 2 True", "1 sample:1 r11 4 True", "2 sample:1 w21 7 False", "3 sample:0 w30 1 False",
            "0 teacher 1+1=2 #### 2 True", "1 sample:2 r12 4 True", "2 sample:2 w22 9 False", "3 sample:1 w31 2 False",
            "0 sample:1 w01 3 False", "1 sample:3 r13 4 True", "2 sample:3 w23 0 False", "3 sample:2 w32 3 False",
            "0 sample:3 w03 5 False", "1 teacher 2+2=4 #### 4 True", "3 sample:3 w33 4 False",
        ], rows);
        Assert.All(b.Examples, e => Assert.Equal($"Q: {Problems[e.Problem].Question}\nA: ", e.Prompt));
        Assert.Equal((3 + 5 + 0 + 1, 2 + 0 + 4 + 4, 3, 1, 2), (b.Counts.Positives, b.Counts.Negatives, b.Counts.TeacherPositives, b.Counts.ProblemsAllCorrect, b.Counts.ProblemsAllWrong));
        Assert.Null(SelfTrainExamples.Untrainable(b));
    }

    [Fact]
    public void Dpo_PositiveTimesNegative_NoPairWhenAllRight_CapKeepsTheFirstInOrder()
    {
        var b = SelfTrainExamples.Build(SelfTrainRule.Dpo, Problems, Samples, Template);
        Assert.Equal(ExampleKind.Pairs, b.Kind);
        // Problem 0: 3 positives × 2 negatives = 6 in (i + j, i) order; problem 1: no negative; problem 2: no positive; problem 3: teacher × 4.
        var rows = b.Examples.Select(e => $"{e.Problem} {e.Chosen} > {e.Rejected}").ToList();
        Assert.Equal(
        [
            "0 r00 2 > w01 3", "0 r00 2 > w03 5", "0 r02 2 > w01 3", "0 r02 2 > w03 5", "0 1+1=2 #### 2 > w01 3", "0 1+1=2 #### 2 > w03 5",
            "3 4+4=8 #### 8 > w30 1", "3 4+4=8 #### 8 > w31 2", "3 4+4=8 #### 8 > w32 3", "3 4+4=8 #### 8 > w33 4",
        ], rows);
        Assert.Equal((10, 0), (b.Counts.Pairs, b.Counts.PairsCapped));
        Assert.Equal("pair:sample:2>sample:3", b.Examples[3].Source);

        var capped = SelfTrainExamples.Build(SelfTrainRule.Dpo, Problems, Samples, Template, maxPairs: 3);
        Assert.Equal(["0 r00 2 > w01 3", "0 r00 2 > w03 5", "0 r02 2 > w01 3", "3 4+4=8 #### 8 > w30 1", "3 4+4=8 #### 8 > w31 2", "3 4+4=8 #### 8 > w32 3"],
            capped.Examples.Select(e => $"{e.Problem} {e.Chosen} > {e.Rejected}"));
        Assert.Equal((6, 4), (capped.Counts.Pairs, capped.Counts.PairsCapped));
    }

    [Fact]
    public void Safe_VerifiedSamplesAndRepairs_FromACorrectSampleElseTheTeacher()
    {
        var b = SelfTrainExamples.Build(SelfTrainRule.Safe, Problems, Samples, Template);
        Assert.Equal(ExampleKind.Sft, b.Kind);
        string P(int i) => $"Q: {Problems[i].Question}\nA: ";
        var expected = new List<(string Source, string Prompt, string Completion)>
        {
            ("sample:0", P(0), "r00 2"), ("sample:2", P(0), "r02 2"),
            // Failures rotate over the correct samples.
            ("repair:1", P(0) + "w01 3\nFeedback: The final answer 3 is incorrect.\nCorrected solution:\n", "r00 2"),
            ("repair:3", P(0) + "w03 5\nFeedback: The final answer 5 is incorrect.\nCorrected solution:\n", "r02 2"),
            ("sample:0", P(1), "r10 4"), ("sample:1", P(1), "r11 4"), ("sample:2", P(1), "r12 4"), ("sample:3", P(1), "r13 4"),
            // Problem 2: nothing verified, no teacher: its 4 failures cannot be repaired. Problem 3: the teacher repairs.
            ("repair:0", P(3) + "w30 1\nFeedback: The final answer 1 is incorrect.\nCorrected solution:\n", "4+4=8 #### 8"),
            ("repair:1", P(3) + "w31 2\nFeedback: The final answer 2 is incorrect.\nCorrected solution:\n", "4+4=8 #### 8"),
            ("repair:2", P(3) + "w32 3\nFeedback: The final answer 3 is incorrect.\nCorrected solution:\n", "4+4=8 #### 8"),
            ("repair:3", P(3) + "w33 4\nFeedback: The final answer 4 is incorrect.\nCorrected solution:\n", "4+4=8 #### 8"),
        };
        Assert.Equal(expected, b.Examples.Select(e => (e.Source, e.Prompt, e.Completion!)));
        Assert.Equal((6, 10, 6, 4), (b.Counts.Positives, b.Counts.Negatives, b.Counts.Repairs, b.Counts.Unrepairable));
    }

    [Fact]
    public void AllRightOrAllWrong_SayWhyThereIsNothingToTrain()
    {
        var allRight = Samples.Where(s => s.Problem == 1).ToArray();
        var dpo = SelfTrainExamples.Build(SelfTrainRule.Dpo, Problems, allRight, Template);
        Assert.Empty(dpo.Examples);
        Assert.Contains("no DPO pair", SelfTrainExamples.Untrainable(dpo));
        // KTO keeps the positives (4 samples + teacher) but needs a negative somewhere.
        var kto = SelfTrainExamples.Build(SelfTrainRule.Kto, Problems, allRight, Template);
        Assert.Equal(5, kto.Examples.Count);
        Assert.All(kto.Examples, e => Assert.True(e.Label));
        Assert.Contains("5 positives and 0 negatives", SelfTrainExamples.Untrainable(kto));
        // All wrong without a teacher solution: nothing at all.
        var allWrong = Samples.Where(s => s.Problem == 2).ToArray();
        var safe = SelfTrainExamples.Build(SelfTrainRule.Safe, Problems, allWrong, Template);
        Assert.Empty(safe.Examples);
        Assert.Equal(4, safe.Counts.Unrepairable);
        Assert.NotNull(SelfTrainExamples.Untrainable(safe));
        Assert.NotNull(SelfTrainExamples.Untrainable(SelfTrainExamples.Build(SelfTrainRule.Dpo, Problems, allWrong, Template)));
    }
}
