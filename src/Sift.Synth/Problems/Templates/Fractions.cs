using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Fraction templates: part of a set, spending fractions of money.</summary>
internal static class Fractions
{
    public static ProblemTemplate[] All { get; } =
    [
        new("fraction_left", "fractions", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            if (!g.IsHard)
            {
                var t = g.Pick(Lexicon.Countables);
                long b = g.OneOf(2, 3, 4, 5, 6, 8, 10);
                long a = g.Int(1, b - 1);
                long n = b * g.Int(2, 15);
                g.Ask($"{p.Name} has {n} {t.Many}. {p.HeCap} eats {a}/{b} of them. How many {t.Many} does {p.Name} have left?");
                g.Say($"{p.Name} eats ");
                var x = g.Eq(N(n), '*', N(a), '/', N(b));
                g.Say($" {t.Many}.\n{p.Name} has ");
                var y = g.Eq(N(n), '-', x);
                g.Say($" {t.Many} left.\n");
                return y;
            }
            var i1 = g.Pick(Lexicon.Products);
            var i2 = g.Pick(Lexicon.Products);
            Require(i1 != i2);
            long d1 = g.OneOf(2, 3, 4, 5), n1 = g.Int(1, d1 - 1), d2 = g.OneOf(2, 3, 4, 5), n2 = g.Int(1, d2 - 1);
            long money = d1 * d2 * g.Int(2, 25);
            g.Ask($"{p.Name} has {M(money * 100)}. {p.HeCap} spends {n1}/{d1} of it on a {i1.One} and then {n2}/{d2} of what is left on a {i2.One}. How much money does {p.Name} have left, in dollars?");
            g.Say($"The {i1.One} costs ");
            var x1 = g.Eq(Cents(money * 100), '*', N(n1), '/', N(d1));
            g.Say($".\n{p.Name} has ");
            var r1 = g.Eq(Cents(money * 100), '-', x1);
            g.Say($" left.\nThe {i2.One} costs ");
            var x2 = g.Eq(r1, '*', N(n2), '/', N(d2));
            g.Say($".\n{p.Name} has ");
            var r2 = g.Eq(r1, '-', x2);
            g.Say(" left.\n");
            return r2;
        }),
        new("fraction_of_group", "fractions", [Tier.Medium, Tier.Hard], g =>
        {
            var who = g.Person();
            string grp = g.Pick(Lexicon.Groups);
            long b = g.OneOf(2, 3, 4, 5, 6), a = g.Int(1, b - 1);
            long n = b * g.Int(3, 12);
            g.Ask($"There are {n} children in {who.Name}'s {grp}. {a}/{b} of them are girls. ");
            if (!g.IsHard)
            {
                g.Ask("How many boys are there?");
                g.Say("There are ");
                var girls = g.Eq(N(n), '*', N(a), '/', N(b));
                g.Say(" girls.\nThere are ");
                var boys = g.Eq(N(n), '-', girls);
                g.Say(" boys.\n");
                return boys;
            }
            long d = g.OneOf(2, 3, 4), c = g.Int(1, d - 1);
            g.Ask($"{c}/{d} of the boys play soccer. How many boys play soccer?");
            g.Say($"{who.Name}'s {grp} has ");
            var gg = g.Eq(N(n), '*', N(a), '/', N(b));
            g.Say(" girls.\nIt has ");
            var bb = g.Eq(N(n), '-', gg);
            g.Say($" boys.\nOf {who.Name}'s boys, ");
            var s = g.Eq(bb, '*', N(c), '/', N(d));
            g.Say(" play soccer.\n");
            return s;
        }),
    ];
}
