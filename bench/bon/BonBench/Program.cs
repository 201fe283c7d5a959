// Times the best-of-N / voting curves (ScalingCurves.Compute) on a synthetic pool: P problems × M samples, T random
// subsets per N = 1, 2, 4, ..., M. Vote classes are precomputed (as sift bon does once per problem), so this is the
// subset sampling and selection alone.
//   dotnet run -c Release --project bench/bon/BonBench -- [problems 500] [pool 1024] [trials 100] [repeats 5]
using System.Diagnostics;
using System.Globalization;
using Sift.Eval.Metrics;

int problems = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
int pool = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
int trials = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
int repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5;

// Each problem: answer 0 is correct with a per-problem share; wrong answers spread over up to 30 others; scores are
// noisy and higher for correct samples; 2% of samples have no answer.
var rng = new Random(7);
var outcomes = new List<ProblemOutcome>(problems);
for (int p = 0; p < problems; p++)
{
    double share = rng.NextDouble();
    int wrongKinds = 1 + rng.Next(30);
    var samples = new List<SampleOutcome>(pool);
    for (int i = 0; i < pool; i++)
    {
        double u = rng.NextDouble();
        string answer = u < 0.02 ? "" : u < 0.02 + 0.98 * share ? "0" : (1 + rng.Next(wrongKinds)).ToString(CultureInfo.InvariantCulture);
        bool correct = answer == "0";
        samples.Add(new SampleOutcome(answer, correct, Math.Clamp((correct ? 0.6 : 0.4) + 0.3 * (rng.NextDouble() - 0.5), 0, 1)));
    }
    outcomes.Add(ProblemOutcome.Create(p, null, null, samples, new EquivalenceVote(string.Equals)));
}

Console.WriteLine($"{problems} problems × {pool} samples, {trials} subsets per N, {Environment.ProcessorCount} logical CPUs");
var times = new List<double>();
var cpu = new List<double>();
var me = Process.GetCurrentProcess();
for (int r = 0; r < repeats; r++)
{
    me.Refresh();
    var cpu0 = me.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var curves = ScalingCurves.Compute(outcomes, trials, seed: (ulong)r);
    times.Add(sw.Elapsed.TotalSeconds);
    me.Refresh();
    cpu.Add((me.TotalProcessorTime - cpu0).TotalSeconds);
    if (r == 0)
    {
        foreach (var c in curves)
        {
            Console.WriteLine($"  {c.Name,-22} " + string.Join(" ", c.Points.Select(pt => string.Create(CultureInfo.InvariantCulture, $"{pt.N}:{pt.Mean:0.0}"))));
        }
    }
}
times.Sort();
cpu.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"curves: wall median {times[times.Count / 2]:0.000} s (best {times[0]:0.000}, worst {times[^1]:0.000}); CPU time median {cpu[cpu.Count / 2]:0.000} s (all threads) over {repeats} runs"));
