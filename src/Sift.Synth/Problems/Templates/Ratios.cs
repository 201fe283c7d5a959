using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Ratio templates: splitting by a ratio, scaling a recipe.</summary>
internal static class Ratios
{
    public static ProblemTemplate[] All { get; } =
    [
        new("ratio_split", "ratios", [Tier.Medium, Tier.Hard], g =>
        {
            var who = g.Person();
            var t = g.Pick(Lexicon.Countables);
            var box = g.Pick(Lexicon.Containers);
            string c1 = g.Pick(Lexicon.Colors), c2 = g.Pick(Lexicon.Colors);
            Require(c1 != c2);
            long a = g.Int(1, 7), b = g.Int(2, 9);
            Require(a != b);
            long n = (a + b) * g.Int(2, g.IsHard ? 30 : 12);
            g.Ask($"In {who.Name}'s {box.One} the ratio of {c1} {t.Many} to {c2} {t.Many} is {a}:{b}. There are {n} {t.Many} in the {box.One}. ");
            g.Ask(g.IsHard ? $"How many more {c2} {t.Many} than {c1} {t.Many} are there?" : $"How many {c2} {t.Many} are there?");
            g.Say("There are ");
            var parts = g.Eq(N(a), '+', N(b));
            g.Say(" parts.\nEach part is ");
            var unit = g.Eq(N(n), '/', parts);
            g.Say($" {t.Many}.\nThere are ");
            var y = g.Eq(unit, '*', N(b));
            g.Say($" {c2} {t.Many}.\n");
            if (!g.IsHard)
            {
                return y;
            }
            Require(b > a);
            g.Say("There are ");
            var x = g.Eq(unit, '*', N(a));
            g.Say($" {c1} {t.Many}.\nThere are ");
            var diff = g.Eq(y, '-', x);
            g.Say($" more {c2} {t.Many}.\n");
            return diff;
        }),
        new("recipe_scale", "ratios", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            string ing = g.Pick(Lexicon.Ingredients), baked = g.Pick(Lexicon.Baked);
            long a = g.Int(2, 6), b = g.OneOf(6, 8, 10, 12, 20, 24), k = g.Int(2, 8);
            long c = b * k;
            g.Ask($"A recipe uses {a} {ing} to make {b} {baked}. {p.Name} wants to make {c} {baked}. ");
            if (g.IsHard)
            {
                long have = g.Int(1, a * k - 1);
                g.Ask($"{p.HeCap} already has {have} {ing}. How many more {ing} does {p.He} need?");
                g.Say($"{p.Name} makes ");
                var batches = g.Eq(N(c), '/', N(b));
                g.Say(" batches.\n" + p.HeCap + " needs ");
                var need = g.Eq(batches, '*', N(a));
                g.Say($" {ing}.\n{p.HeCap} needs ");
                var more = g.Eq(need, '-', N(have));
                g.Say($" more {ing}.\n");
                return more;
            }
            g.Ask($"How many {ing} does {p.He} need?");
            g.Say($"{p.Name} makes ");
            var bt = g.Eq(N(c), '/', N(b));
            g.Say(" batches.\n" + p.HeCap + " needs ");
            var nd = g.Eq(bt, '*', N(a));
            g.Say($" {ing}.\n");
            return nd;
        }),
    ];
}
