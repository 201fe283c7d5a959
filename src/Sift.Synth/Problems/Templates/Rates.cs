using static Sift.Synth.Problems.ProblemDraw;

namespace Sift.Synth.Problems.Templates;

/// <summary>Rate templates: work per hour, speed and distance, filling a tank.</summary>
internal static class Rates
{
    public static ProblemTemplate[] All { get; } =
    [
        new("work_rate", "rates", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            var m = g.Pick(Lexicon.Machines);
            var o = g.Pick(Lexicon.MachineOutputs);
            if (g.IsEasy)
            {
                long r = g.Int(2, 9), h = g.Int(2, 9);
                g.Ask($"{p.Name}'s {m.One} makes {r} {o.Many} every hour. How many {o.Many} does it make in {h} hours?");
                g.Say($"{p.Name}'s {m.One} makes ");
                var x = g.Eq(N(r), '*', N(h));
                g.Say($" {o.Many}.\n");
                return x;
            }
            if (!g.IsHard)
            {
                long r = g.Int(10, 60), h = g.Int(2, 10), d = g.Int(2, 7);
                g.Ask($"{p.Name}'s {m.One} makes {r} {o.Many} every hour. It works {h} hours a day. How many {o.Many} does it make in {d} days?");
                g.Say($"In one day {p.Name}'s {m.One} makes ");
                var x = g.Eq(N(r), '*', N(h));
                g.Say($" {o.Many}.\nIn {d} days it makes ");
                var y = g.Eq(x, '*', N(d));
                g.Say($" {o.Many}.\n");
                return y;
            }
            long r1 = g.Int(12, 80), r2 = g.Int(12, 80), hh = g.Int(3, 12), dd = g.Int(3, 9);
            g.Ask($"{p.Name} has one {m.One} that makes {r1} {o.Many} per hour and a second {m.One} that makes {r2} {o.Many} per hour. Both run for {hh} hours a day. How many {o.Many} do they make together in {dd} days?");
            g.Say("Together they make ");
            var s = g.Eq(N(r1), '+', N(r2));
            g.Say($" {o.Many} per hour.\nIn one day they make ");
            var day = g.Eq(s, '*', N(hh));
            g.Say($" {o.Many}.\nIn {dd} days they make ");
            var all = g.Eq(day, '*', N(dd));
            g.Say($" {o.Many}.\n");
            return all;
        }),
        new("speed", "rates", [Tier.Easy, Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            if (g.IsEasy)
            {
                long s = g.Int(2, 9), h = g.Int(2, 9);
                g.Ask($"{p.Name} rides {p.His} bike at {s} miles per hour for {h} hours. How many miles does {p.Name} ride?");
                g.Say($"{p.Name} rides ");
                var d = g.Eq(N(s), '*', N(h));
                g.Say(" miles.\n");
                return d;
            }
            string v = g.Pick(Lexicon.Vehicles);
            long s1 = g.Int(20, 70), h1 = g.Int(2, 5), s2 = g.Int(20, 70), h2 = g.Int(2, 4);
            g.Ask($"{p.Name} drives a {v} at {s1} miles per hour for {h1} hours and then at {s2} miles per hour for {h2} hours. ");
            g.Ask(g.IsHard ? "What is the average speed for the whole trip in miles per hour?" : "How many miles does " + p.Name + " drive in total?");
            g.Say("First " + p.He + " drives ");
            var d1 = g.Eq(N(s1), '*', N(h1));
            g.Say(" miles.\nThen " + p.He + " drives ");
            var d2 = g.Eq(N(s2), '*', N(h2));
            g.Say(" miles.\nIn total " + p.He + " drives ");
            var dt = g.Eq(d1, '+', d2);
            g.Say(" miles.\n");
            if (!g.IsHard)
            {
                return dt;
            }
            g.Say($"{p.Name}'s trip takes ");
            var t = g.Eq(N(h1), '+', N(h2));
            g.Say(" hours.\nThe average speed is ");
            var avg = g.Eq(dt, '/', t);
            g.Say(" miles per hour.\n");
            return avg;
        }),
        new("fill_rate", "rates", [Tier.Medium, Tier.Hard], g =>
        {
            var p = g.Person();
            string tank = g.Pick(Lexicon.Tanks), liquid = g.Pick(Lexicon.Liquids);
            long minutes = g.Int(5, 30), u = g.Int(5, 100);
            if (!g.IsHard)
            {
                long r = g.Int(2, 20);
                long cap = u + r * minutes;
                g.Ask($"{p.Name}'s {tank} holds {cap} liters of {liquid}. It already has {u} liters in it. A hose adds {r} liters every minute. How many minutes does it take to fill the {tank}?");
                g.Say($"{p.Name}'s {tank} needs ");
                var x = g.Eq(N(cap), '-', N(u));
                g.Say(" more liters.\nIt takes ");
                var m = g.Eq(x, '/', N(r));
                g.Say(" minutes.\n");
                return m;
            }
            long rate = g.Int(6, 30), leak = g.Int(1, 5);
            Require(rate > leak);
            long capH = u + (rate - leak) * minutes;
            g.Ask($"{p.Name}'s {tank} holds {capH} liters of {liquid} and already has {u} liters in it. A hose adds {rate} liters every minute, but a leak loses {leak} liters every minute. How many minutes does it take to fill the {tank}?");
            g.Say($"{p.Name}'s {tank} gains ");
            var net = g.Eq(N(rate), '-', N(leak));
            g.Say($" liters each minute.\nThe {tank} needs ");
            var need = g.Eq(N(capH), '-', N(u));
            g.Say(" more liters.\nIt takes ");
            var mm = g.Eq(need, '/', net);
            g.Say(" minutes.\n");
            return mm;
        }),
    ];
}
