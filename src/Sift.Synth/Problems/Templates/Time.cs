using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Time templates: reading schedules, minutes and hours, ages.</summary>
internal static class Time
{
    public static ProblemTemplate[] All { get; } =
    [
        new("reading", "time", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            if (g.IsEasy)
            {
                long per = g.Int(2, 9), days = g.Int(2, 9);
                g.Ask($"A book has {per * days} pages. {p.Name} reads {per} pages every day. How many days does it take {p.Name} to finish the book?");
                g.Say("It takes ");
                var d = g.Eq(N(per * days), '/', N(per));
                g.Say(" days.\n");
                return d;
            }
            long a = g.Int(5, 30), b = g.Int(5, 40);
            g.Ask($"{p.Name} reads {a} pages on each weekday and {b} pages on each day of the weekend. ");
            if (!g.IsHard)
            {
                g.Ask($"How many pages does {p.Name} read in one week?");
            }
            long weeksToFinish = 0;
            if (g.IsHard)
            {
                weeksToFinish = g.Int(2, 6);
                g.Ask($"How many weeks does it take {p.Him} to read a book with {(5 * a + 2 * b) * weeksToFinish} pages?");
            }
            g.Say($"On weekdays {p.Name} reads ");
            var x = g.Eq(N(5), '*', N(a));
            g.Say(" pages.\nOn the weekend " + p.He + " reads ");
            var y = g.Eq(N(2), '*', N(b));
            g.Say($" pages.\nIn one week {p.Name} reads ");
            var z = g.Eq(x, '+', y);
            g.Say(" pages.\n");
            if (!g.IsHard)
            {
                return z;
            }
            g.Say($"It takes {p.Name} ");
            var w = g.Eq(N((5 * a + 2 * b) * weeksToFinish), '/', z);
            g.Say(" weeks.\n");
            return w;
        }),
        new("minutes", "time", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            string task = g.Pick(Lexicon.Tasks);
            long m = g.OneOf(10, 12, 15, 20, 30, 45), k = g.Int(2, 12);
            if (!g.IsHard)
            {
                Require(m * k % 60 == 0);
                g.Ask($"{p.Name} spends {m} minutes on each {task}. {p.HeCap} finishes {k} of them. How many hours does {p.He} spend?");
                g.Say($"{p.Name} spends ");
                var t = g.Eq(N(k), '*', N(m));
                g.Say(" minutes.\nThat is ");
                var h = g.Eq(t, '/', N(60));
                g.Say(" hours.\n");
                return h;
            }
            long d = g.Int(2, 14);
            Require(m * k * d % 60 == 0);
            g.Ask($"{p.Name} spends {m} minutes on each {task} and does {k} of them every day. How many hours does {p.He} spend on them in {d} days?");
            g.Say($"Each day {p.Name} spends ");
            var day = g.Eq(N(k), '*', N(m));
            g.Say($" minutes.\nIn {d} days {p.He} spends ");
            var all = g.Eq(day, '*', N(d));
            g.Say(" minutes.\nThat is ");
            var hours = g.Eq(all, '/', N(60));
            g.Say(" hours.\n");
            return hours;
        }),
        new("age", "time", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var q = g.Person();
            if (g.IsEasy)
            {
                long a = g.Int(2, 9), b = g.Int(2, 9);
                g.Ask($"{p.Name} is {a} years old. {q.Name} is {b} years older than {p.Name}. How old is {q.Name}?");
                g.Say($"{q.Name} is ");
                var c = g.Eq(N(a), '+', N(b));
                g.Say(" years old.\n");
                return c;
            }
            if (!g.IsHard)
            {
                long a = g.Int(5, 40), b = g.Int(2, 20), c = g.Int(2, 15);
                g.Ask($"{p.Name} is {a} years old. {q.Name} is {b} years older than {p.Name}. How old will {q.Name} be in {c} years?");
                g.Say($"{q.Name} is ");
                var now = g.Eq(N(a), '+', N(b));
                g.Say($" years old now.\nIn {c} years {q.Name} will be ");
                var later = g.Eq(now, '+', N(c));
                g.Say(" years old.\n");
                return later;
            }
            var w = g.Person();
            long x = g.Int(3, 15), k = g.Int(2, 4), d = g.Int(1, 9);
            Require(x * k > d);
            g.Ask($"{p.Name} is {x} years old. {q.Name} is {k} times as old as {p.Name}, and {w.Name} is {d} years younger than {q.Name}. What is the sum of their ages?");
            g.Say($"{q.Name} is ");
            var qa = g.Eq(N(x), '*', N(k));
            g.Say($" years old.\n{w.Name} is ");
            var wa = g.Eq(qa, '-', N(d));
            g.Say(" years old.\nThe sum of their ages is ");
            var sum = g.Sum(N(x), qa, wa);
            g.Say(".\n");
            return sum;
        }),
    ];
}
