using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Percentage templates: part of a whole, discounts, growth.</summary>
internal static class Percentages
{
    /// <summary>The smallest whole that p% of is an integer: 100 / gcd(p, 100).</summary>
    private static long Unit(long p)
    {
        long a = p, b = 100;
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return 100 / a;
    }

    public static ProblemTemplate[] All { get; } =
    [
        new("percent_of", "percentages", [Tier.Medium, Tier.Hard], g =>
        {
            var who = g.Person();
            var t = g.Pick(Lexicon.Countables);
            var box = g.Pick(Lexicon.Containers);
            string c1 = g.Pick(Lexicon.Colors);
            long p = g.OneOf(10, 20, 25, 30, 40, 50, 60, 75, 80);
            long n = Unit(p) * g.Int(2, g.IsHard ? 40 : 20);
            if (!g.IsHard)
            {
                g.Ask($"{who.Name} has a {box.One} with {n} {t.Many}. {p}% of them are {c1}. How many {t.Many} are not {c1}?");
                var x = g.Eq(N(n), '*', N(p), '/', N(100));
                g.Say($" {t.Many} are {c1}.\n");
                var y = g.Eq(N(n), '-', x);
                g.Say($" {t.Many} are not {c1}.\n");
                return y;
            }
            string c2 = g.Pick(Lexicon.Colors);
            Require(c1 != c2);
            long q = g.OneOf(10, 20, 25, 50);
            g.Ask($"{who.Name} has a {box.One} with {n} {t.Many}. {p}% of them are {c1}, and {q}% of the rest are {c2}. How many {t.Many} are neither {c1} nor {c2}?");
            var r = g.Eq(N(n), '*', N(p), '/', N(100));
            g.Say($" {t.Many} are {c1}.\n");
            var rest = g.Eq(N(n), '-', r);
            g.Say($" {t.Many} are not {c1}.\n");
            var b = g.Eq(rest, '*', N(q), '/', N(100));
            g.Say($" {t.Many} are {c2}.\n");
            var left = g.Eq(rest, '-', b);
            g.Say($" {t.Many} are neither.\n");
            return left;
        }),
        new("discount", "percentages", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var item = g.Pick(Lexicon.Products);
            long pct = g.OneOf(10, 20, 25, 40, 50);
            if (!g.IsHard)
            {
                long price = Unit(pct) * g.Int(1, 30);
                g.Ask($"{p.Name} wants a {item.One} that costs {M(price * 100)}. It is on sale for {pct}% off. What is the sale price in dollars?");
                g.Say("The discount is ");
                var d = g.Eq(Cents(price * 100), '*', N(pct), '/', N(100));
                g.Say(".\nThe sale price is ");
                var s = g.Eq(Cents(price * 100), '-', d);
                g.Say(".\n");
                return s;
            }
            long cents = g.Int(40, 400) * 10;
            long k = g.Int(2, 6);
            g.Ask($"{p.Name} likes a {item.One} that costs {M(cents)}. The store takes {pct}% off. How much do {k} {item.Many} cost on sale, in dollars?");
            g.Say("The discount on one " + item.One + " is ");
            var dd = g.Eq(Cents(cents), '*', N(pct), '/', N(100));
            g.Say(".\nOne " + item.One + " costs ");
            var sale = g.Eq(Cents(cents), '-', dd);
            g.Say($" on sale.\n{k} {item.Many} cost ");
            var total = g.Eq(N(k), '*', sale);
            g.Say(".\n");
            return total;
        }),
        new("percent_increase", "percentages", [Tier.Medium, Tier.Hard], g =>
        {
            long pct = g.OneOf(10, 20, 25, 50);
            if (!g.IsHard)
            {
                var who = g.Person();
                long n = Unit(pct) * g.Int(10, 200);
                g.Ask($"{who.Name}'s town had {n} people. The number of people grew by {pct}%. How many people live in the town now?");
                g.Say($"{who.Name}'s town grew by ");
                var x = g.Eq(N(n), '*', N(pct), '/', N(100));
                g.Say(" people.\nNow ");
                var y = g.Eq(N(n), '+', x);
                g.Say($" people live in {who.Name}'s town.\n");
                return y;
            }
            var p = g.Person();
            long q = g.OneOf(10, 20, 50);
            long start = Unit(pct) * Unit(q) * g.Int(1, 20);
            long hundreds = g.Int(1, 4);
            start *= hundreds;
            g.Ask($"{p.Name}'s shop sold {start} cups of coffee in May. In June it sold {pct}% more than in May, and in July it sold {q}% more than in June. How many cups did it sell in July?");
            g.Say($"In June {p.Name}'s shop sold ");
            var inc1 = g.Eq(N(start), '*', N(pct), '/', N(100));
            g.Say(" more cups, so ");
            var june = g.Eq(N(start), '+', inc1);
            g.Say($" cups.\nIn July {p.Name}'s shop sold ");
            var inc2 = g.Eq(june, '*', N(q), '/', N(100));
            g.Say(" more cups, so ");
            var july = g.Eq(june, '+', inc2);
            g.Say(" cups.\n");
            return july;
        }),
    ];
}
