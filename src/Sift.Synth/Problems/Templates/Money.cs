using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Money templates: shopping and change, wages, saving up.</summary>
internal static class Money
{
    public static ProblemTemplate[] All { get; } =
    [
        new("shopping", "money", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var i1 = g.Pick(Lexicon.Products);
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), price = g.Int(2, 9);
                g.Ask($"{p.Name} buys {a} {i1.Many} for {M(price * 100)} each. How many dollars does {p.Name} spend?");
                g.Say($"{p.Name} spends ");
                var c = g.Eq(N(a), '*', Cents(price * 100));
                g.Say(".\n");
                return c;
            }
            var i2 = g.Pick(Lexicon.Products);
            Require(i1 != i2);
            long n1 = g.Int(2, 8), n2 = g.Int(2, 8);
            long p1 = g.IsHard ? g.Int(4, 60) * 25 : g.Int(2, 30) * 100, p2 = g.IsHard ? g.Int(4, 60) * 25 : g.Int(2, 30) * 100;
            g.Ask($"{p.Name} buys {n1} {i1.Many} for {M(p1)} each and {n2} {i2.Many} for {M(p2)} each. ");
            long bill = 0;
            if (g.IsHard)
            {
                bill = g.OneOf(50, 100);
                g.Ask($"{p.HeCap} pays with a {M(bill * 100)} bill. How much change does {p.He} get, in dollars?");
            }
            else
            {
                g.Ask($"How many dollars does {p.Name} spend?");
            }
            g.Say($"The {i1.Many} cost ");
            var x = g.Eq(N(n1), '*', Cents(p1));
            g.Say($".\nThe {i2.Many} cost ");
            var y = g.Eq(N(n2), '*', Cents(p2));
            g.Say($".\n{p.Name} spends ");
            var z = g.Eq(x, '+', y);
            g.Say(".\n");
            if (!g.IsHard)
            {
                return z;
            }
            Require(z.Raw < bill * 100);
            g.Say($"{p.Name} gets ");
            var change = g.Eq(Cents(bill * 100), '-', z);
            g.Say(" in change.\n");
            return change;
        }),
        new("wage", "money", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            string job = g.Pick(Lexicon.Jobs);
            long w = g.IsHard ? g.Int(16, 60) * 50 : g.Int(8, 30) * 100;
            long h = g.Int(2, 8), d = g.Int(2, 6);
            g.Ask($"{p.Name} works as a {job} and earns {M(w)} per hour. {p.HeCap} works {h} hours a day for {d} days. ");
            if (!g.IsHard)
            {
                g.Ask($"How many dollars does {p.Name} earn?");
            }
            long spend = 0;
            if (g.IsHard)
            {
                spend = g.Int(10, 80) * 100;
                g.Ask($"{p.HeCap} spends {M(spend)} of it on a {g.Pick(Lexicon.Products).One}. How much money does {p.He} have left, in dollars?");
            }
            g.Say($"{p.Name} earns ");
            var day = g.Eq(Cents(w), '*', N(h));
            g.Say(" per day.\n" + p.HeCap + " earns ");
            var all = g.Eq(day, '*', N(d));
            g.Say($" in {d} days.\n");
            if (!g.IsHard)
            {
                return all;
            }
            g.Say($"{p.Name} has ");
            var left = g.Eq(all, '-', Cents(spend));
            g.Say(" left.\n");
            return left;
        }),
        new("savings", "money", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var item = g.Pick(Lexicon.Products);
            long u = g.Int(2, 40) * 100, k = g.Int(2, 15);
            if (!g.IsHard)
            {
                long s = g.Int(2, 20) * 100;
                long cost = u + s * k;
                g.Ask($"{p.Name} wants a {item.One} that costs {M(cost)}. {p.HeCap} has {M(u)} and saves {M(s)} each week. How many weeks does it take {p.Him} to save enough?");
                g.Say($"{p.Name} needs ");
                var x = g.Eq(Cents(cost), '-', Cents(u));
                g.Say(" more.\nIt takes ");
                var wk = g.Eq(x, '/', Cents(s));
                g.Say(" weeks.\n");
                return wk;
            }
            long earn = g.Int(8, 30) * 100, spend = g.Int(2, 7) * 100;
            Require(earn > spend);
            long total = u + (earn - spend) * k;
            g.Ask($"{p.Name} wants a {item.One} that costs {M(total)}. {p.HeCap} has {M(u)}. Each week {p.He} earns {M(earn)} and spends {M(spend)} of it. How many weeks does it take {p.Him} to save enough?");
            g.Say($"{p.Name} saves ");
            var net = g.Eq(Cents(earn), '-', Cents(spend));
            g.Say(" each week.\n" + p.HeCap + " needs ");
            var need = g.Eq(Cents(total), '-', Cents(u));
            g.Say(" more.\nIt takes ");
            var weeks = g.Eq(need, '/', net);
            g.Say(" weeks.\n");
            return weeks;
        }),
    ];
}
