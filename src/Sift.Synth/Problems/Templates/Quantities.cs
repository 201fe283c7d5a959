using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Counting templates: getting, giving, groups, sharing, comparing.</summary>
internal static class Quantities
{
    public static ProblemTemplate[] All { get; } =
    [
        new("gain", "quantities", [Tier.Easy, Tier.Medium], g =>
        {
            var p = g.Person();
            var t = g.Pick(Lexicon.Countables);
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), b = g.Int(2, 9);
                g.Ask($"{p.Name} has {a} {t.Many}. {p.HeCap} gets {b} more {t.Many}. How many {t.Many} does {p.Name} have now?");
                g.Say($"{p.Name} has ");
                var c = g.Eq(N(a), '+', N(b));
                g.Say($" {t.Many} now.\n");
                return c;
            }
            long x = g.Int(10, 90), y = g.Int(10, 90), z = g.Int(10, 90);
            g.Ask($"{p.Name} has {x} {t.Many}. On Monday {p.He} gets {y} more {t.Many}, and on Tuesday {p.He} gets {z} more. How many {t.Many} does {p.Name} have now?");
            g.Say($"{p.Name} has ");
            var r = g.Eq(N(x), '+', N(y), '+', N(z));
            g.Say($" {t.Many} now.\n");
            return r;
        }),
        new("loss", "quantities", [Tier.Easy, Tier.Medium], g =>
        {
            var p = g.Person();
            var q = g.Person();
            var t = g.Pick(Lexicon.Countables);
            if (g.IsEasy)
            {
                long b = g.Int(2, 9), c = g.Int(2, 9);
                long a = b + c;
                g.Ask($"{p.Name} had {a} {t.Many}. {p.HeCap} gave {b} of them to {q.Name}. How many {t.Many} does {p.Name} have left?");
                g.Say($"{p.Name} has ");
                var r = g.Eq(N(a), '-', N(b));
                g.Say($" {t.Many} left.\n");
                return r;
            }
            var w = g.Person();
            long x = g.Int(60, 250), y = g.Int(10, 50), z = g.Int(10, 50);
            Require(x > y + z);
            g.Ask($"{p.Name} had {x} {t.Many}. {p.HeCap} gave {y} to {q.Name} and {z} to {w.Name}. How many {t.Many} does {p.Name} have left?");
            g.Say($"{p.Name} has ");
            var rr = g.Eq(N(x), '-', N(y), '-', N(z));
            g.Say($" {t.Many} left.\n");
            return rr;
        }),
        new("groups", "quantities", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var t = g.Pick(Lexicon.Countables);
            var box = g.Pick(Lexicon.Containers);
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), b = g.Int(2, 9);
                g.Ask($"{p.Name} buys {a} {box.Many} of {t.Many}. Each {box.One} has {b} {t.Many}. How many {t.Many} does {p.Name} buy?");
                g.Say($"{p.Name} buys ");
                var c = g.Eq(N(a), '*', N(b));
                g.Say($" {t.Many}.\n");
                return c;
            }
            if (!g.IsHard)
            {
                long a = g.Int(3, 12), b = g.Int(6, 25), c = g.Int(5, 40);
                g.Ask($"{p.Name} has {c} {t.Many}. {p.HeCap} buys {a} {box.Many} of {t.Many} with {b} {t.Many} in each {box.One}. How many {t.Many} does {p.Name} have now?");
                g.Say($"{p.Name} buys ");
                var x = g.Eq(N(a), '*', N(b));
                g.Say($" {t.Many}.\n{p.Name} has ");
                var y = g.Eq(x, '+', N(c));
                g.Say($" {t.Many} now.\n");
                return y;
            }
            var c1 = g.Pick(Lexicon.Colors);
            var c2 = g.Pick(Lexicon.Colors);
            Require(c1 != c2);
            long m = g.Int(4, 15), n = g.Int(6, 30), k = g.Int(3, 12), l = g.Int(6, 30), e = g.Int(10, 60);
            g.Ask($"{p.Name} buys {m} {box.Many} of {c1} {t.Many} with {n} in each {box.One}, and {k} {box.Many} of {c2} {t.Many} with {l} in each {box.One}. {p.HeCap} gives away {e} {t.Many}. How many {t.Many} does {p.Name} have left?");
            g.Say($"The {c1} {t.Many} come to ");
            var r1 = g.Eq(N(m), '*', N(n));
            g.Say(".\nThe " + c2 + " " + t.Many + " come to ");
            var r2 = g.Eq(N(k), '*', N(l));
            g.Say($".\n{p.Name} has ");
            var s = g.Eq(r1, '+', r2);
            g.Say($" {t.Many} before giving any away.\n{p.Name} has ");
            var left = g.Eq(s, '-', N(e));
            g.Say($" {t.Many} left.\n");
            return left;
        }),
        new("share", "quantities", [Tier.Easy, Tier.Medium], g =>
        {
            var p = g.Person();
            var t = g.Pick(Lexicon.Countables);
            if (g.IsEasy)
            {
                long q = g.Int(2, 9), n = g.Int(2, 9);
                g.Ask($"{p.Name} has {q * n} {t.Many}. {p.HeCap} shares them equally among {n} friends. How many {t.Many} does each friend get?");
                g.Say($"Each of {p.Name}'s friends gets ");
                var r = g.Eq(N(q * n), '/', N(n));
                g.Say($" {t.Many}.\n");
                return r;
            }
            long qq = g.Int(4, 25), nn = g.Int(3, 12), k = g.Int(3, 20);
            g.Ask($"{p.Name} has {qq * nn + k} {t.Many}. {p.HeCap} keeps {k} for {p.Him}self and shares the rest equally among {nn} friends. How many {t.Many} does each friend get?");
            g.Say($"{p.Name} shares ");
            var x = g.Eq(N(qq * nn + k), '-', N(k));
            g.Say($" {t.Many}.\nEach of {p.Name}'s friends gets ");
            var y = g.Eq(x, '/', N(nn));
            g.Say($" {t.Many}.\n");
            return y;
        }),
        new("more_than", "quantities", [Tier.Easy, Tier.Medium], g =>
        {
            var p = g.Person();
            var q = g.Person();
            var t = g.Pick(Lexicon.Countables);
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), b = g.Int(2, 9);
                g.Ask($"{p.Name} has {a} {t.Many}. {q.Name} has {b} more {t.Many} than {p.Name}. How many {t.Many} does {q.Name} have?");
                g.Say($"{q.Name} has ");
                var c = g.Eq(N(a), '+', N(b));
                g.Say($" {t.Many}.\n");
                return c;
            }
            long x = g.Int(12, 80), y = g.Int(5, 40);
            g.Ask($"{p.Name} has {x} {t.Many}. {q.Name} has {y} more {t.Many} than {p.Name}. How many {t.Many} do they have together?");
            g.Say($"{q.Name} has ");
            var z = g.Eq(N(x), '+', N(y));
            g.Say($" {t.Many}.\nTogether they have ");
            var w = g.Eq(N(x), '+', z);
            g.Say($" {t.Many}.\n");
            return w;
        }),
        new("fewer_than", "quantities", [Tier.Easy], g =>
        {
            var p = g.Person();
            var q = g.Person();
            var t = g.Pick(Lexicon.Countables);
            long b = g.Int(2, 9), c = g.Int(2, 9);
            g.Ask($"{p.Name} has {b + c} {t.Many} and {q.Name} has {b} {t.Many}. How many more {t.Many} does {p.Name} have than {q.Name}?");
            g.Say($"{p.Name} has ");
            var r = g.Eq(N(b + c), '-', N(b));
            g.Say($" more {t.Many} than {q.Name}.\n");
            return r;
        }),
        new("times_as_many", "quantities", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var q = g.Person();
            var t = g.Pick(Lexicon.Countables);
            long a = g.Int(3, 30), k = g.Int(2, 5);
            if (!g.IsHard)
            {
                g.Ask($"{p.Name} has {a} {t.Many}. {q.Name} has {k} times as many {t.Many} as {p.Name}. How many {t.Many} do they have together?");
                g.Say($"{q.Name} has ");
                var b = g.Eq(N(a), '*', N(k));
                g.Say($" {t.Many}.\nTogether they have ");
                var c = g.Eq(N(a), '+', b);
                g.Say($" {t.Many}.\n");
                return c;
            }
            var w = g.Person();
            long d = g.Int(2, 20);
            Require(a * k > d);
            g.Ask($"{p.Name} has {a} {t.Many}. {q.Name} has {k} times as many {t.Many} as {p.Name}, and {w.Name} has {d} fewer {t.Many} than {q.Name}. How many {t.Many} do the three of them have together?");
            g.Say($"{q.Name} has ");
            var bb = g.Eq(N(a), '*', N(k));
            g.Say($" {t.Many}.\n{w.Name} has ");
            var e = g.Eq(bb, '-', N(d));
            g.Say($" {t.Many}.\nTogether they have ");
            var f = g.Sum(N(a), bb, e);
            g.Say($" {t.Many}.\n");
            return f;
        }),
    ];
}
