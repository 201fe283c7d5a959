using Sift.Core.Random;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Scoring;

/// <summary>Prompts packed into shared forward calls score exactly as each prompt scored alone.</summary>
[Collection(ToyPrmCollection.Name)]
public sealed class BatchedScoringTests(ToyPrmFixture toy)
{
    [Theory]
    [InlineData("tagged", 24, 3)]       // a batch of many times the row budget; prompts longer than one call's rows
    [InlineData("rlhflow-prm", 40, 2)]  // chat prompts (longer) through two slots
    [InlineData("tagged", 2048, 0)]     // the default: everything in one or two calls
    public async Task PackedScores_EqualOnePromptAtATime(string format, int maxRows, int slots)
    {
        using var lm = ToyPrm.Open(toy.Dir);
        var (builder, labels) = ToyPrmTests.Build(format, lm.Tokenizer!, lm.BosId);
        var rng = new Rng(77);
        var prompts = Enumerable.Range(0, 30).Select(_ =>
        {
            var (steps, _) = ToyPrm.Solution(rng, 1 + rng.NextInt(6)); // mixed lengths
            return builder.Build(ToyPrm.Question, format == "tagged" ? ToyPrm.TaggedCompletion(steps) : ToyPrm.ChatCompletion(steps));
        }).ToList();
        if (maxRows < 100)
        {
            Assert.Contains(prompts, p => p.Tokens.Length > maxRows);
            Assert.True(prompts.Sum(p => p.Tokens.Length) > 10 * maxRows);
        }

        using var single = new LocalStepScorer(lm, maxRows: 512, slots: 1);
        var alone = prompts.Select(p => single.Score(p, labels)).ToList();

        using var packed = new LocalStepScorer(lm, maxRows, slots);
        var got = new StepReadout?[prompts.Count];
        await packed.ScoreAsync(prompts, labels, (i, r) =>
        {
            Assert.Null(got[i]); // each prompt reported once
            got[i] = r;
        }, CancellationToken.None);
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.NotNull(got[i]);
            Assert.Equal(prompts[i].Rows.Length, got[i]!.Good.Length);
            for (int k = 0; k < prompts[i].Rows.Length; k++)
            {
                Assert.Equal(alone[i].Good[k]!.Value, got[i]!.Good[k]!.Value, 1e-4);
                Assert.Equal(alone[i].Bad[k]!.Value, got[i]!.Bad[k]!.Value, 1e-4);
            }
        }
    }

    [Fact]
    public void RowsPastThePrompt_AreRejected()
    {
        using var lm = ToyPrm.Open(toy.Dir);
        var labels = ToyPrmTests.Build("tagged", lm.Tokenizer!, lm.BosId).Labels;
        using var scorer = new LocalStepScorer(lm, maxRows: 8, slots: 2);
        var e = Assert.Throws<InvalidOperationException>(() => scorer.Score([new RmPrompt("", [1, 2, 3], [0, 2]), new RmPrompt("", [1, 2, 3], [1, 3])], labels, (_, _) => { }, CancellationToken.None));
        Assert.Contains("rows [1, 3] are not ascending positions below 3", e.Message);
    }
}
