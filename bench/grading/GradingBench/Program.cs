// Grading throughput, Sift vs the Python harness, on the same inputs (issue 4 "Performance").
//
//   bench/grading/run.sh [--zg-harness DIR] [--zg-repeats N] [--repeats N] [--show-disagreements N] [--json]
//   (also --fixture FILE, --math500 FILE, --no-fixture, --no-math500, --python PATH)
//
// Sets (both from ../shared unless given):
//   completions  the 800 completions of data/qwen_rm_maj_example/math_cot_100.jsonl (100 MATH problems x 8) against
//                their gold answers: extraction + normalisation + equivalence (Grader.GradeResponse)
//   answers      data/math500/test.jsonl golds against themselves and four variants each (boxed, last digit changed,
//                "x = " prefix, \dfrac/no spaces): normalisation + equivalence (Grader.Grade)
// Sift runs compat and strict on this thread: one warm-up pass, then --repeats timed passes (median and best).
// Rates are answers per CPU-second of the grading thread (one core, whatever else the machine runs) and per wall second.
// With --zg-harness, zg_bench.py times the harness's grader (strip_string/extract_answer/math_equal) on the same
// pairs with the same Python the harness would use, and the verdicts are compared.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Grading;

var opts = Options.Parse(args);
var sets = new List<BenchSet>();
if (opts.Fixture is not null)
{
    sets.Add(BenchSet.Completions(opts.Fixture));
}

if (opts.Math500 is not null)
{
    sets.Add(BenchSet.Answers(opts.Math500));
}

if (sets.Count == 0)
{
    Console.Error.WriteLine("no inputs: pass --fixture and/or --math500, or put ../shared beside the repository (or set SIFT_SHARED)");
    return 2;
}

var report = new JsonObject { ["threads"] = 1, ["repeats"] = opts.Repeats, ["runtime"] = Environment.Version.ToString() };
var siftVerdicts = new Dictionary<string, bool[]>();
var rows = new List<string[]>();
foreach (var set in sets)
{
    foreach (var mode in new[] { GradeMode.Compat, GradeMode.Strict })
    {
        var (median, best, wallRate, verdicts, timeouts) = TimeSift(set, mode, opts.Repeats);
        siftVerdicts[$"{set.Name}/{mode}"] = verdicts;
        string agreement = "";
        if (set.Recorded is not null && mode == GradeMode.Compat)
        {
            int same = verdicts.Where((v, i) => v == set.Recorded[i]).Count();
            agreement = $"{same}/{verdicts.Length} agree with the harness's recorded scores";
        }

        rows.Add([$"sift {mode.ToString().ToLowerInvariant()}", set.Name, set.Pairs.Count.ToString(CultureInfo.InvariantCulture),
            median.ToString("N0", CultureInfo.InvariantCulture), best.ToString("N0", CultureInfo.InvariantCulture), wallRate.ToString("N0", CultureInfo.InvariantCulture),
            (1e3 / median).ToString("F3", CultureInfo.InvariantCulture), $"{verdicts.Count(v => v)} equal, {timeouts} timeouts", agreement]);
        report[$"sift_{mode.ToString().ToLowerInvariant()}_{set.Name}"] = new JsonObject
        {
            ["count"] = set.Pairs.Count,
            ["answers_per_second"] = Math.Round(median),
            ["best_answers_per_second"] = Math.Round(best),
            ["wall_answers_per_second"] = Math.Round(wallRate),
            ["ms_per_answer"] = Math.Round(1e3 / median, 4),
            ["equal"] = verdicts.Count(v => v),
            ["timeouts"] = timeouts,
        };
    }
}

if (opts.ZgHarness is not null)
{
    var zg = RunZg(opts, sets);
    if (zg is not null)
    {
        report["zg_python"] = zg;
        foreach (var set in sets)
        {
            if (zg["sets"]?[set.Name] is not JsonObject z)
            {
                continue;
            }

            var zv = z["verdicts"]!.AsArray().Select(v => v!.GetValue<bool>()).ToArray();
            var compat = siftVerdicts[$"{set.Name}/Compat"];
            int same = zv.Where((v, i) => v == compat[i]).Count();
            foreach (int i in Enumerable.Range(0, zv.Length).Where(i => zv[i] != compat[i]).Take(opts.ShowDisagreements))
            {
                var (g, input) = set.Pairs[i];
                string shown = input.Length > 120 ? "..." + input[^117..] : input;
                Console.Error.WriteLine($"disagreement [{set.Name} #{i}] sift compat {compat[i]}, zg python {zv[i]}: gold {g} | {shown.ReplaceLineEndings(" ")}");
            }

            double rate = z["answers_per_second"]!.GetValue<double>();
            string recorded = set.Recorded is null ? "" : $"; {zv.Where((v, i) => v == set.Recorded[i]).Count()}/{zv.Length} agree with the recorded scores";
            rows.Add(["zg python", set.Name, zv.Length.ToString(CultureInfo.InvariantCulture), rate.ToString("N0", CultureInfo.InvariantCulture),
                z["best_answers_per_second"]!.GetValue<double>().ToString("N0", CultureInfo.InvariantCulture),
                z["wall_answers_per_second"]!.GetValue<double>().ToString("N0", CultureInfo.InvariantCulture),
                (1e3 / rate).ToString("F3", CultureInfo.InvariantCulture), $"{zv.Count(v => v)} equal, {z["timeouts"]} timeouts",
                $"{same}/{zv.Length} agree with sift compat{recorded}"]);
            z.Remove("verdicts");
            var siftRate = report[$"sift_compat_{set.Name}"]!["answers_per_second"]!.GetValue<double>();
            report[$"speedup_compat_{set.Name}"] = Math.Round(siftRate / rate, 1);
            z["agree_with_sift_compat"] = same;
        }
    }
}

if (opts.Json)
{
    Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
else
{
    PrintTable(["grader", "set", "pairs", "answers/CPU-s (median)", "best", "answers/wall-s", "CPU ms/answer", "verdicts", "cross-check"], rows);
    Console.WriteLine("answers per CPU-second of the grading thread (CLOCK_THREAD_CPUTIME_ID; Python: time.thread_time), i.e. one core's throughput however loaded the machine is; wall-clock alongside.");
    if (report["zg_python"] is JsonObject z)
    {
        Console.WriteLine($"python {z["python"]}; stand-ins for missing modules: {(z["stand_ins"]!.AsArray().Count == 0 ? "none" : string.Join(", ", z["stand_ins"]!.AsArray()))}; " +
            $"sympy parse_latex usable: {z["parse_latex"]} (see zg_bench.py: without it the Python figure is an upper bound)");
    }
}

return 0;

static (double Median, double Best, double Wall, bool[] Verdicts, int Timeouts) TimeSift(BenchSet set, GradeMode mode, int repeats)
{
    var verdicts = new bool[set.Pairs.Count];
    int timeouts = 0;
    void Pass()
    {
        timeouts = 0;
        for (int i = 0; i < set.Pairs.Count; i++)
        {
            var (gold, input) = set.Pairs[i];
            var r = set.IsCompletion ? Grader.GradeResponse(gold, input, mode) : Grader.Grade(gold, input, mode);
            verdicts[i] = r.Equal;
            timeouts += r.TimedOut ? 1 : 0;
        }
    }

    Pass(); // warm-up: JIT, regex construction, tiered compilation
    var rates = new List<double>();
    var wall = new List<double>();
    for (int k = 0; k < repeats; k++)
    {
        var sw = Stopwatch.StartNew();
        double cpu0 = ThreadCpu.Seconds();
        Pass();
        rates.Add(set.Pairs.Count / (ThreadCpu.Seconds() - cpu0));
        wall.Add(set.Pairs.Count / sw.Elapsed.TotalSeconds);
    }

    rates.Sort();
    wall.Sort();
    return (rates[rates.Count / 2], rates[^1], wall[wall.Count / 2], verdicts, timeouts);
}

static JsonObject? RunZg(Options opts, List<BenchSet> sets)
{
    string dir = Path.Combine(Path.GetTempPath(), "sift-grading-bench-" + Environment.ProcessId);
    Directory.CreateDirectory(dir);
    try
    {
        string pairs = Path.Combine(dir, "pairs.jsonl"), result = Path.Combine(dir, "zg.json");
        var sb = new StringBuilder();
        foreach (var set in sets)
        {
            foreach (var (gold, input) in set.Pairs)
            {
                sb.Append(new JsonObject { ["set"] = set.Name, ["gold"] = gold, ["input"] = input }.ToJsonString()).Append('\n');
            }
        }

        File.WriteAllText(pairs, sb.ToString());
        var psi = new ProcessStartInfo(opts.Python) { UseShellExecute = false };
        foreach (var a in new[] { opts.ZgScript, "--harness", opts.ZgHarness!, "--pairs", pairs, "--out", result, "--repeats", opts.ZgRepeats.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(result))
        {
            Console.Error.WriteLine($"zg_bench.py failed (exit {p.ExitCode}); the Python side is not reported");
            return null;
        }

        return JsonNode.Parse(File.ReadAllText(result))!.AsObject();
    }
    finally
    {
        Directory.Delete(dir, recursive: true);
    }
}

static void PrintTable(string[] header, List<string[]> rows)
{
    var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
    string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
    Console.WriteLine(Line(header));
    Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
    foreach (var r in rows)
    {
        Console.WriteLine(Line(r));
    }
}

/// <summary>One benchmark input set: (gold, prediction-or-completion) pairs, with the harness's recorded verdicts when known.</summary>
internal sealed record BenchSet(string Name, bool IsCompletion, List<(string Gold, string Input)> Pairs, bool[]? Recorded)
{
    public static BenchSet Completions(string path)
    {
        var pairs = new List<(string, string)>();
        var recorded = new List<bool>();
        foreach (var line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            var o = JsonNode.Parse(line)!.AsObject();
            string gold = o["gt"]!.GetValue<string>();
            var codes = o["code"]!.AsArray();
            var scores = o["score"]?.AsArray();
            for (int i = 0; i < codes.Count; i++)
            {
                pairs.Add((gold, codes[i]!.GetValue<string>()));
                recorded.Add(scores is not null && scores[i]!.GetValue<bool>());
            }
        }

        return new BenchSet("completions", true, pairs, recorded.ToArray());
    }

    public static BenchSet Answers(string path)
    {
        var pairs = new List<(string, string)>();
        foreach (var line in File.ReadLines(path).Where(l => l.Trim().Length > 0))
        {
            string gold = JsonNode.Parse(line)!["answer"]!.GetValue<string>();
            foreach (var p in Perturb(gold))
            {
                pairs.Add((gold, p));
            }
        }

        return new BenchSet("answers", false, pairs, null);
    }

    /// <summary>The variants of tests/Sift.Grading.Tests/ThroughputTests: equal-but-different and wrong-but-close.</summary>
    private static IEnumerable<string> Perturb(string gold)
    {
        yield return gold;
        yield return "\\boxed{" + gold + "}";
        var lastDigit = gold.LastOrDefault(char.IsAsciiDigit);
        if (lastDigit != default)
        {
            var at = gold.LastIndexOf(lastDigit);
            yield return gold[..at] + (char)('0' + ((lastDigit - '0' + 1) % 10)) + gold[(at + 1)..];
        }

        yield return "x = " + gold;
        yield return gold.Replace("\\frac", "\\dfrac").Replace(" ", string.Empty);
    }
}

internal sealed record Options(string? Fixture, string? Math500, int Repeats, string? ZgHarness, string Python, string ZgScript, int ZgRepeats, bool Json, int ShowDisagreements)
{
    public static Options Parse(string[] args)
    {
        string? shared = SharedRoot();
        string? fixture = shared is null ? null : Existing(Path.Combine(shared, "data", "qwen_rm_maj_example", "math_cot_100.jsonl"));
        string? math500 = shared is null ? null : Existing(Path.Combine(shared, "data", "math500", "test.jsonl"));
        int repeats = 5, zgRepeats = 1;
        string? harness = null;
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        string script = Path.Combine(AppContext.BaseDirectory, "zg_bench.py");
        bool json = false;
        int show = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--fixture": fixture = Next(); break;
                case "--math500": math500 = Next(); break;
                case "--no-fixture": fixture = null; break;
                case "--no-math500": math500 = null; break;
                case "--repeats": repeats = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--zg-harness": harness = Next(); break;
                case "--zg-repeats": zgRepeats = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--python": python = Next(); break;
                case "--zg-script": script = Next(); break;
                case "--json": json = true; break;
                case "--show-disagreements": show = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]} (see the header of Program.cs)");
            }
        }

        return new Options(fixture, math500, Math.Max(1, repeats), harness, python, script, Math.Max(1, zgRepeats), json, show);
    }

    private static string? Existing(string p) => File.Exists(p) ? p : null;

    private static string? SharedRoot()
    {
        var env = Environment.GetEnvironmentVariable("SIFT_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sift.slnx")))
        {
            dir = dir.Parent;
        }

        var shared = dir?.Parent is null ? null : Path.Combine(dir.Parent.FullName, "shared");
        return shared is not null && Directory.Exists(shared) ? shared : null;
    }
}

/// <summary>CPU time of the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), so a loaded machine does not distort one core's rate.</summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Seconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var t) == 0)
        {
            return t.Seconds + (t.Nanoseconds * 1e-9);
        }

        return Environment.TickCount64 / 1000.0; // elsewhere: wall clock
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
