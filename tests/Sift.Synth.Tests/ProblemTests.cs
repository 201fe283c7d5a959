using Sift.Core.Random;
using Sift.Synth.Problems;

namespace Sift.Synth.Tests;

public sealed class ProblemTests
{
    private static IEnumerable<(ProblemTemplate T, Tier Tier)> Combos() =>
        TemplateCatalog.All.SelectMany(t => t.Tiers.Select(tier => (t, tier)));

    [Fact]
    public void EveryTemplateAndTier_GivesCorrectSteps_AndTheAnswerOfTheLastStep()
    {
        Assert.True(TemplateCatalog.All.Count >= 27, "many templates");
        Assert.Equal(TemplateCatalog.All.Count, TemplateCatalog.All.Select(t => t.Id).Distinct().Count());
        foreach (var tier in TierNames.All)
        {
            Assert.True(TemplateCatalog.For(tier).Count >= 10, $"{tier}: at least 10 templates");
        }
        var gen = new ProblemGenerator(new Rng(7), NamePool.Train);
        foreach (var (t, tier) in Combos())
        {
            for (int i = 0; i < 150; i++)
            {
                var p = gen.Next(t, tier);
                string where = $"{t.Id}/{tier}: {p.Question}\n{p.Solution}";
                var eqs = Equations.All(p.Solution);
                Assert.True(eqs.Count >= 1, where);
                foreach (var e in eqs)
                {
                    Assert.True(e.Stated == e.Actual, $"{where}\n'{e.Text}' recomputes to {e.Actual}");
                }
                Assert.EndsWith("#### " + p.Answer, p.Solution, StringComparison.Ordinal);
                Assert.Equal(eqs[^1].Stated, Equations.Num(p.Answer));
                Assert.True(Equations.Num(p.Answer) > 0 || t.Id is "loss", where);
                // Clean answers: integers, or money with at most two decimals.
                Assert.Matches(@"^\d+(\.\d\d)?$", p.Answer);
                Assert.Equal(p.Question + "\n" + p.Solution, p.Text.ToString());
                Assert.All(p.Text.Spans, s => Assert.Equal(Provenance.Clean, s.Label));
                Assert.False(p.Wrong);
                if (tier == Tier.Easy)
                {
                    Assert.True(eqs.Count <= 2, $"easy problems take one or two steps: {where}");
                    Assert.All(eqs, e => Assert.True(e.Actual <= 100, where));
                }
                else if (tier == Tier.Hard)
                {
                    Assert.True(eqs.Count >= 2, $"hard problems take several steps: {where}");
                }
            }
        }
    }

    [Fact]
    public void WrongVariants_HaveOneWrongStep_AndLabelTheWrongNumbers()
    {
        var gen = new ProblemGenerator(new Rng(11), NamePool.Train);
        int total = 0;
        foreach (var tier in TierNames.All)
        {
            for (int i = 0; i < 300; i++)
            {
                var p = gen.NextWrong(tier);
                total++;
                Assert.True(p.Wrong);
                string text = p.Text.ToString();
                var eqs = Equations.All(text);
                int firstWrong = eqs.FindIndex(e => e.Stated != e.Actual);
                Assert.True(firstWrong >= 0, $"a wrong step: {text}");
                var spans = p.Text.Spans;
                Assert.All(spans, s => Assert.True(s.Label is Provenance.WrongContext or Provenance.WrongNumber));
                Provenance LabelAt(int c) => spans.First(s => s.Start <= c && c < s.End).Label;
                // The first wrong result is labelled as a wrong number (its digits), and so is the wrong answer.
                var bad = eqs[firstWrong];
                for (int c = bad.RhsStart; c < bad.RhsEnd; c++)
                {
                    if (char.IsDigit(text[c]))
                    {
                        Assert.Equal(Provenance.WrongNumber, LabelAt(c));
                    }
                }
                // Everything before the first wrong result is wrong-context text.
                Assert.All(Enumerable.Range(0, bad.RhsStart), c => Assert.Equal(Provenance.WrongContext, LabelAt(c)));
                int ans = text.LastIndexOf("#### ", StringComparison.Ordinal) + 5;
                if (Equations.Num(p.Answer) != eqs[^1].Actual || firstWrong == eqs.Count - 1)
                {
                    Assert.Equal(Provenance.WrongNumber, LabelAt(ans));
                }
            }
        }
        Assert.Equal(900, total);
    }

    [Fact]
    public void SameSeed_SameProblems_OtherSeed_Different()
    {
        static string Run(ulong seed)
        {
            var g = new ProblemGenerator(new Rng(seed), NamePool.Train);
            return string.Join("\n---\n", Enumerable.Range(0, 60).Select(i => g.Next(TierNames.All[i % 3]).Text.ToString()));
        }
        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }

    [Fact]
    public void ExcludedKeys_AreNeverDrawn()
    {
        var probe = new ProblemGenerator(new Rng(5), NamePool.Train);
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 200; i++)
        {
            excluded.Add(probe.Next(Tier.Easy).Key);
        }
        var gen = new ProblemGenerator(new Rng(5), NamePool.Train, excluded);
        for (int i = 0; i < 2000; i++)
        {
            var p = gen.Next(Tier.Easy);
            Assert.DoesNotContain(p.Key, excluded);
        }
    }

    [Fact]
    public void Key_IsTheTemplateTierAndQuestionNumbers()
    {
        var t = TemplateCatalog.All.First(x => x.Id == "gain");
        Assert.Equal("gain|easy|3,4", ProblemGenerator.KeyOf(t, Tier.Easy, "Ann has 3 apples. She gets 4 more apples."));
        Assert.Equal("gain|hard|7.50,1,3", ProblemGenerator.KeyOf(t, Tier.Hard, "It costs $7.50 and the ratio is 1:3."));
    }

    [Fact]
    public void Quantities_AreExactOrRejected()
    {
        var five = new Quantity(5, false);
        Assert.Equal(new Quantity(15, false), Quantity.Apply(five, '*', new Quantity(3, false)));
        Assert.Throws<RejectDraw>(() => Quantity.Apply(five, '/', new Quantity(2, false)));
        Assert.Throws<RejectDraw>(() => Quantity.Apply(five, '-', new Quantity(6, false)));
        Assert.Throws<RejectDraw>(() => Quantity.Apply(new Quantity(Quantity.Limit, false), '+', five));
        var money = new Quantity(250, true);
        Assert.Equal("$2.50", money.Text);
        Assert.Equal("7.50", Quantity.Apply(new Quantity(3, false), '*', money).Plain);
        Assert.Equal("$12", new Quantity(1200, true).Text);
        Assert.Equal(new Quantity(2, false), Quantity.Apply(new Quantity(500, true), '/', money));
        Assert.Throws<InvalidOperationException>(() => Quantity.Apply(money, '+', five));
        Assert.True(Quantity.Apply(new Quantity(2, false, Wrong: true), '+', five).Wrong);
    }
}
