using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Multi-step quantity templates: legs on a farm, averages, areas, packing boxes.</summary>
internal static class MultiStep
{
    public static ProblemTemplate[] All { get; } =
    [
        new("legs", "multi_step", [Tier.Medium, Tier.Hard], g =>
        {
            var who = g.Person();
            string four = g.Pick(Lexicon.Animals4), two = g.Pick(Lexicon.Animals2);
            long a = g.Int(2, 30);
            if (!g.IsHard)
            {
                long b = g.Int(2, 30);
                g.Ask($"{who.Name} has a farm with {a} {four} and {b} {two}. How many legs do the animals have in total?");
                g.Say($"The {four} have ");
                var x = g.Eq(N(a), '*', N(4));
                g.Say($" legs.\nThe {two} have ");
                var y = g.Eq(N(b), '*', N(2));
                g.Say(" legs.\nIn total there are ");
                var z = g.Eq(x, '+', y);
                g.Say(" legs.\n");
                return z;
            }
            long k = g.Int(2, 5);
            g.Ask($"{who.Name} has a farm with {a} {four} and {k} times as many {two}. How many legs do the animals have in total?");
            g.Say($"{who.Name} has ");
            var bb = g.Eq(N(a), '*', N(k));
            g.Say($" {two}.\nThe {four} have ");
            var xx = g.Eq(N(a), '*', N(4));
            g.Say($" legs.\nThe {two} have ");
            var yy = g.Eq(bb, '*', N(2));
            g.Say(" legs.\nIn total there are ");
            var zz = g.Eq(xx, '+', yy);
            g.Say(" legs.\n");
            return zz;
        }),
        new("average", "multi_step", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            string subject = g.Pick(Lexicon.Subjects);
            long a = g.Int(50, 100), b = g.Int(50, 100), c = g.Int(50, 100);
            if (!g.IsHard)
            {
                Require((a + b + c) % 3 == 0);
                g.Ask($"{p.Name} scored {a}, {b} and {c} points on three {subject} tests. What is {p.His} average score?");
                g.Say("The total is ");
                var s = g.Sum(N(a), N(b), N(c));
                g.Say(" points.\nThe average is ");
                var m = g.Eq(s, '/', N(3));
                g.Say(" points.\n");
                return m;
            }
            long target = g.Int(70, 95);
            Require(target * 4 > a + b + c && target * 4 - (a + b + c) <= 100);
            g.Ask($"{p.Name} scored {a}, {b} and {c} points on three {subject} tests. What score does {p.He} need on the fourth test to have an average of {target} points?");
            g.Say(p.HeCap + " needs a total of ");
            var need = g.Eq(N(target), '*', N(4));
            g.Say(" points.\nSo far " + p.He + " has ");
            var have = g.Sum(N(a), N(b), N(c));
            g.Say(" points.\n" + p.HeCap + " needs ");
            var x = g.Eq(need, '-', have);
            g.Say(" points on the fourth test.\n");
            return x;
        }),
        new("area", "multi_step", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), b = g.Int(2, 9);
                g.Ask($"{p.Name} draws a rectangle that is {a} meters long and {b} meters wide. What is its area in square meters?");
                g.Say($"The area of {p.Name}'s rectangle is ");
                var c = g.Eq(N(a), '*', N(b));
                g.Say(" square meters.\n");
                return c;
            }
            long l = g.Int(5, 40), w = g.Int(3, 30);
            if (!g.IsHard)
            {
                g.Ask($"{p.Name} wants to put a fence around a garden that is {l} meters long and {w} meters wide. How many meters of fence does {p.He} need?");
                g.Say($"Half of the way around {p.Name}'s garden is ");
                var s = g.Eq(N(l), '+', N(w));
                g.Say(" meters.\nThe whole fence is ");
                var f = g.Eq(N(2), '*', s);
                g.Say(" meters.\n");
                return f;
            }
            long price = g.Int(3, 25) * 100;
            g.Ask($"{p.Name}'s room is {l} meters long and {w} meters wide. Carpet costs {M(price)} per square meter. {p.HeCap} already owns a rug that covers 2 square meters. How much does the carpet for the rest of the floor cost, in dollars?");
            g.Say($"{p.Name}'s floor is ");
            var area = g.Eq(N(l), '*', N(w));
            g.Say(" square meters.\nThe carpet covers ");
            var rest = g.Eq(area, '-', N(2));
            g.Say($" square meters.\n{p.Name}'s carpet costs ");
            var cost = g.Eq(rest, '*', Cents(price));
            g.Say(".\n");
            return cost;
        }),
        new("boxes", "multi_step", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var t = g.Pick(Lexicon.Countables);
            var box = g.Pick(Lexicon.Containers);
            long k = g.Int(4, 24), m = g.Int(3, 30);
            long price = g.IsHard ? g.Int(8, 80) * 25 : g.Int(2, 15) * 100;
            g.Ask($"{p.Name} packs {k * m} {t.Many} into {box.Many} of {k}. {p.HeCap} sells each {box.One} for {M(price)}. How many dollars does {p.He} get for all the {box.Many}?");
            g.Say($"{p.Name} fills ");
            var n = g.Eq(N(k * m), '/', N(k));
            g.Say($" {box.Many}.\n{p.HeCap} gets ");
            var total = g.Eq(n, '*', Cents(price));
            g.Say(".\n");
            return total;
        }),
    ];
}
