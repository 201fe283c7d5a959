using Sift.Core.Random;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;

namespace Sift.Rewards.Tests.Scoring;

/// <summary>Step scores from prompt logprobs of a running `sift serve` equal the local engine's.</summary>
[Collection(ToyPrmCollection.Name)]
public sealed class RemoteScoringTests(ToyPrmFixture toy)
{
    [Theory]
    [InlineData("rlhflow-prm")]
    [InlineData("rlhflow-orm")]
    [InlineData("tagged")] // the last tag is the last token: its distribution comes from one generated token
    public async Task ServerScores_EqualLocalScores(string format)
    {
        await using var server = await InProcessServer.StartAsync(toy.Dir);
        using var lm = ToyPrm.Open(toy.Dir);
        var (builder, labels) = ToyPrmTests.Build(format, lm.Tokenizer!, lm.BosId);
        var rng = new Rng(77);
        var prompts = Enumerable.Range(0, 6).Select(_ =>
        {
            var (s, _) = ToyPrm.Solution(rng, 1 + rng.NextInt(4));
            return builder.Build(ToyPrm.Question, format == "tagged" ? ToyPrm.TaggedCompletion(s) : ToyPrm.ChatCompletion(s));
        }).ToList();
        Assert.Contains(prompts, p => format != "tagged" || p.Rows[^1] == p.Tokens.Length - 1);
        using var local = new LocalStepScorer(lm);
        using var remote = await RemoteStepScorer.ConnectAsync(server.Endpoint(), topLogprobs: 20, ownsEndpoint: true);
        var got = new StepReadout[prompts.Count];
        await remote.ScoreAsync(prompts, labels, (i, r) => got[i] = r, CancellationToken.None);
        for (int i = 0; i < prompts.Count; i++)
        {
            var want = StepScoring.Combine(local.Score(prompts[i], labels), prompts[i].Rows.Length, StepAggregate.Mean);
            var have = StepScoring.Combine(got[i], prompts[i].Rows.Length, StepAggregate.Mean);
            Assert.Equal(0, have.MissingSteps);
            for (int k = 0; k < want.Steps.Length; k++)
            {
                Assert.Equal(want.Steps[k]!.Value, have.Steps[k]!.Value, 1e-4);
            }
            Assert.Equal(want.Score!.Value, have.Score!.Value, 1e-4);
        }
    }

    [Fact]
    public async Task LabelOutsideTopK_IsFlaggedNotInvented()
    {
        await using var server = await InProcessServer.StartAsync(toy.Dir);
        using var lm = ToyPrm.Open(toy.Dir);
        var (builder, labels) = ToyPrmTests.Build("rlhflow-prm", lm.Tokenizer!, lm.BosId);
        // Steps 1 and 3 right, step 2 wrong: with logprobs 0 the server returns only the prompt's own token ("+").
        var p = builder.Build(ToyPrm.Question, ToyPrm.ChatCompletion([ToyPrm.Step(1, 1, 2), ToyPrm.Step(2, 0, 4), ToyPrm.Step(0, 2, 2)]));
        using var remote = await RemoteStepScorer.ConnectAsync(server.Endpoint(), topLogprobs: 0, ownsEndpoint: true);
        StepReadout? got = null;
        await remote.ScoreAsync([p], labels, (_, r) => got = r, CancellationToken.None);
        var result = StepScoring.Combine(got!, 3, StepAggregate.Min);
        Assert.All(result.Steps, s => Assert.Null(s));
        Assert.All(result.Missing, m => Assert.Equal("-", m));
        Assert.Equal(3, result.MissingSteps);
        Assert.Null(result.Score);
        // With top-1 the likelier label joins the prompt's own "+": every step is scored, the wrong one low.
        using var top1 = await RemoteStepScorer.ConnectAsync(server.Endpoint(), topLogprobs: 1, ownsEndpoint: true);
        await top1.ScoreAsync([p], labels, (_, r) => got = r, CancellationToken.None);
        var r1 = StepScoring.Combine(got!, 3, StepAggregate.Min);
        Assert.Equal(0, r1.MissingSteps);
        Assert.True(r1.Steps[0] > 0.5 && r1.Steps[1] < 0.5 && r1.Steps[2] > 0.5);
    }
}
