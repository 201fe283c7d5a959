using Sift.Core.Random;
using Sift.Inference.Chat;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;
using Sift.Text;
using Xunit.Abstractions;

namespace Sift.Rewards.Tests.Scoring;

/// <summary>A tiny Llama trained here to say "+" after right steps and "-" after wrong ones: its step scores separate them.</summary>
[Collection(ToyPrmCollection.Name)]
public sealed class ToyPrmTests(ToyPrmFixture toy, ITestOutputHelper output)
{
    [Theory]
    [InlineData("rlhflow-prm")]
    [InlineData("tagged")]
    public void StepScores_SeparateRightFromWrongSteps(string format)
    {
        using var lm = ToyPrm.Open(toy.Dir);
        var tok = lm.Tokenizer!;
        var (builder, labels) = Build(format, tok, lm.BosId);
        using var scorer = new LocalStepScorer(lm);
        var rng = new Rng(12345); // solutions the training never drew in this order
        var right = new List<double>();
        var wrong = new List<double>();
        int solutionsRight = 0, solutionsTotal = 0;
        for (int i = 0; i < 40; i++)
        {
            var (steps, ok) = ToyPrm.Solution(rng, 1 + rng.NextInt(4));
            var p = builder.Build(ToyPrm.Question, format == "tagged" ? ToyPrm.TaggedCompletion(steps) : ToyPrm.ChatCompletion(steps));
            var r = StepScoring.Combine(scorer.Score(p, labels), steps.Length, StepAggregate.Min);
            for (int k = 0; k < steps.Length; k++)
            {
                (ok[k] ? right : wrong).Add(r.Steps[k]!.Value);
            }
            // With min aggregation, a solution is judged right when it has no wrong step.
            solutionsRight += (r.Score > 0.5) == ok.All(x => x) ? 1 : 0;
            solutionsTotal++;
        }
        output.WriteLine($"{format}: right steps min {right.Min():0.000} mean {right.Average():0.000}; wrong steps max {wrong.Max():0.000} mean {wrong.Average():0.000}; solutions judged right {solutionsRight}/{solutionsTotal}");
        Assert.True(right.Count > 10 && wrong.Count > 10);
        Assert.True(right.Min() > wrong.Max(), $"a wrong step ({wrong.Max():0.000}) scored at least a right one ({right.Min():0.000})");
        Assert.True(right.Average() > 0.9 && wrong.Average() < 0.1);
        Assert.Equal(solutionsTotal, solutionsRight);
    }

    [Fact]
    public void OnePass_EqualsOneForwardPerStep()
    {
        // RLHFlow's main-branch evaluator runs the conversation up to each step separately and reads index -3.
        using var lm = ToyPrm.Open(toy.Dir);
        var tok = lm.Tokenizer!;
        var (builder, labels) = Build("rlhflow-prm", tok, lm.BosId);
        var chat = ChatPrompt.FromTemplate(tok, Llama31.ChatTemplate, "toy");
        using var scorer = new LocalStepScorer(lm);
        var rng = new Rng(5);
        for (int i = 0; i < 5; i++)
        {
            var (steps, _) = ToyPrm.Solution(rng, 4);
            var p = builder.Build(ToyPrm.Question, ToyPrm.ChatCompletion(steps));
            var onePass = scorer.Score(p, labels);
            var messages = new List<ChatMessageIn>();
            for (int k = 0; k < steps.Length; k++)
            {
                messages.Add(new ChatMessageIn("user", k == 0 ? ToyPrm.Question + " " + steps[0] : steps[k]));
                messages.Add(new ChatMessageIn("assistant", "+"));
                int[] ids = chat.Encode(messages, false, false);
                var alone = scorer.Score(new RmPrompt("", ids, [ids.Length - 3]), labels);
                Assert.Equal(alone.Good[0]!.Value, onePass.Good[k]!.Value, 4);
                Assert.Equal(alone.Bad[0]!.Value, onePass.Bad[k]!.Value, 4);
            }
        }
    }

    internal static (IRmPromptBuilder Builder, LabelTokens Labels) Build(string format, ITokenizer tok, int? bos)
    {
        var labels = LabelTokens.Single(tok, "+", "-");
        return format switch
        {
            "rlhflow-prm" => (new ChatTurnsPromptBuilder(ChatPrompt.FromTemplate(tok, Llama31.ChatTemplate, "toy"), labels, false, null), labels),
            "rlhflow-orm" => (new ChatTurnsPromptBuilder(ChatPrompt.FromTemplate(tok, Llama31.ChatTemplate, "toy"), labels, true, null), labels),
            _ => (new TaggedPromptBuilder(tok, bos, ToyPrm.Tag, null), labels),
        };
    }
}
