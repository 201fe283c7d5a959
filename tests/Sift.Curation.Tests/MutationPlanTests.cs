using Sift.Curation.Mutation;

namespace Sift.Curation.Tests;

/// <summary>Finding numbers in programs and questions, linking them, and changing them consistently (no sandbox).</summary>
public sealed class MutationPlanTests
{
    private static List<string> Literals(string code) =>
        [.. PythonLexer.Scan(code).Where(s => s.Kind == PySpanKind.Number).Select(s => code.Substring(s.Start, s.Length))];

    [Fact]
    public void Lexer_FindsDecimalLiterals_NotIdentifiersStringsCommentsOrOtherForms()
    {
        string code = "def solution():\n    \"\"\"Ann has 5 apples.\"\"\"\n    x2 = 3  # 60 minutes\n    s = 'costs 7' + r\"8\" + f'{9}'\n" +
            "    h = 0x10 + 1e3 + 2j + 0b11 + 1_000 + .5 + 3. + 12.25\n    return x2 * 4 - h[1:2]\n";
        Assert.Equal(["3", "1_000", ".5", "3.", "12.25", "4", "1", "2"], Literals(code));
        Assert.Equal(1000m, PythonLexer.Value("1_000"));
        Assert.Equal(0.5m, PythonLexer.Value(".5"));
        Assert.Equal(3m, PythonLexer.Value("3."));
        var kinds = PythonLexer.Scan(code).Where(s => s.Kind != PySpanKind.Number).Select(s => (s.Kind, code.Substring(s.Start, s.Length), s.TripleQuoted)).ToList();
        Assert.Equal((PySpanKind.String, "\"\"\"Ann has 5 apples.\"\"\"", true), kinds[0]);
        Assert.Equal((PySpanKind.Comment, "# 60 minutes", false), kinds[1]);
        Assert.Equal(["'costs 7'", "r\"8\"", "f'{9}'"], kinds.Skip(2).Select(k => k.Item2));
    }

    [Fact]
    public void QuestionNumbers_DigitsGroupsDecimalsWordsAndPercentages()
    {
        var found = QuestionNumbers.Find("Janet has 4,933,828 eggs and three hens. Eggs cost $2.50, 15% off on the 3rd day; x2 and 1/2 cup. Ten.");
        Assert.Equal([4933828m, 3m, 2.50m, 15m, 1m, 2m, 10m], found.Select(f => f.Value));
        Assert.True(found[0].Grouped);
        Assert.True(found[1].Word);
        Assert.Equal(2, found[2].Decimals);
        Assert.True(found[3].Percent);
        Assert.False(found[4].Percent);
    }

    [Fact]
    public void Linking_NeedsTheSameCountInQuestionAndCode_AndSkipsZeroAndOne()
    {
        // "2 bolts" once in the question, 2 twice in the code (the second is "half"): not linked.
        var robe = MutationPlan.Build("A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total?",
            "def solution():\n    blue = 2\n    white = blue / 2\n    return blue + white\n");
        Assert.Empty(robe.Linked);
        var janet = MutationPlan.Build(
            "Janet's ducks lay 16 eggs per day. She eats three for breakfast and bakes with 4,933,828. She sells the rest for $2 each, 1 day.",
            "def solution():\n    eggs = 16\n    eaten = 3\n    baked = 4933828\n    price = 2\n    days = 1\n    return (eggs - eaten - baked) * price * days * 60\n");
        Assert.Equal([2m, 3m, 16m, 4933828m], janet.Linked.Select(l => l.Value));
    }

    [Fact]
    public void Apply_ChangesQuestionCodeDocstringAndComments_Consistently()
    {
        string question = "Lena saves $12.50 a week for three weeks, and 15% of 1,200 visitors came. How much?";
        string code = "def solution():\n    \"\"\"Lena saves $12.50 a week for three weeks.\"\"\"\n    weekly = 12.5  # 12.50 dollars\n" +
            "    weeks = 3\n    visitors = 1200 * 15 / 100\n    label = 'week 3'\n    return weekly * weeks + visitors\n";
        var plan = MutationPlan.Build(question, code);
        Assert.Equal([3m, 12.5m, 15m, 1200m], plan.Linked.Select(l => l.Value));
        Assert.True(plan.Linked.Single(l => l.Value == 15).Percent);
        Assert.Equal(2, plan.Linked.Single(l => l.Value == 12.5m).Decimals);
        var (q, c) = plan.Apply(new Dictionary<decimal, decimal> { [3m] = 4m, [12.5m] = 7.25m, [1200m] = 3400m });
        Assert.Equal("Lena saves $7.25 a week for 4 weeks, and 15% of 3,400 visitors came. How much?", q);
        Assert.Equal("def solution():\n    \"\"\"Lena saves $7.25 a week for 4 weeks.\"\"\"\n    weekly = 7.25  # 7.25 dollars\n" +
            "    weeks = 4\n    visitors = 3400 * 15 / 100\n    label = 'week 3'\n    return weekly * weeks + visitors\n", c);
    }

    [Fact]
    public void NewValues_KeepDecimals_StayInRange_AndDiffer()
    {
        var rng = new Sift.Core.Random.Rng(3);
        for (int i = 0; i < 2000; i++)
        {
            decimal a = NumberDraw.NewValue(new LinkedNumber(7, 0, false), rng);
            Assert.InRange(a, 2, 15);
            Assert.NotEqual(7, a);
            Assert.Equal(a, decimal.Truncate(a));
            decimal b = NumberDraw.NewValue(new LinkedNumber(12.5m, 2, false), rng);
            Assert.InRange(b, 6.25m, 25m);
            Assert.Equal(b, Math.Round(b, 2));
            decimal p = NumberDraw.NewValue(new LinkedNumber(80, 0, true), rng);
            Assert.InRange(p, 40, 100);
            Assert.NotEqual(80, p);
        }
        var big = NumberDraw.NewValue(new LinkedNumber(4933828, 0, false), rng);
        Assert.InRange(big, 2466914, 9867656);
    }
}
