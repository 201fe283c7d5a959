using System.CommandLine;
using System.Diagnostics;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Eval.Datasets;
using Sift.Eval.Metrics;
using Sift.Eval.Reporting;
using Sift.Eval.Samples;
using Sift.Grading;
using Sift.Pipelines.Evaluation;

namespace Sift.Cli.Commands;

/// <summary>`sift bon`: best-of-N, majority and reward-weighted voting curves over a samples file with a score per sample.</summary>
public static class BonCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var input = new Option<FileInfo?>("--input", "-i") { Description = "Scored samples: a Sift samples.jsonl with \"score\" per line, or a harness file with \"pred_score\"" };
        var processBench = new Option<FileInfo?>("--processbench") { Description = "Instead: score earliest-error predictions, ProcessBench-style (records with \"label\" and \"prediction\" or \"step_scores\")" };
        var threshold = new Option<double?>("--threshold") { Description = "With --processbench and step_scores: the first step scored below this is the predicted error" };
        var mode = new Option<string>("--mode") { Description = "Verdicts: strict (correct) or compat (the Rho-1/ToRA harness's; a harness file's stored verdicts)", DefaultValueFactory = _ => "strict" };
        mode.AcceptOnlyFromAmong("strict", "compat");
        var trials = new Option<int>("--trials") { Description = "Random subsets per N and problem", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the subsets", DefaultValueFactory = _ => 1UL };
        var json = new Option<bool>("--json") { Description = "Print the curves as JSON (percent)" };
        var chart = new Option<FileInfo?>("--chart") { Description = "Write an SVG of the curves (N on a log scale)" };
        var dataset = new Option<string?>("--dataset", "-d") { Description = "For harness files graded here (strict, or no stored verdicts): the benchmark, for its gold and extractor" };
        var budget = new Option<double>("--budget") { Description = "Seconds allowed per answer comparison (a timeout counts as wrong)", DefaultValueFactory = _ => 3.0 };
        var cmd = new Command("bon", """
            Best-of-N by score, reward-weighted majority voting, majority voting and pass@N against N, PRM800K-style:
            for N = 1, 2, 4, ... up to the pool, many random N-subsets of each problem's samples, mean ± std.
            Ties go to the lowest sample index, so N = pool gives the file-order maj@n / rm@n.
              sift bon --input runs/eval/m/math500-chat-t0.7-seed0/samples.jsonl --chart bon.svg
              sift bon --input math_cot_100.jsonl --mode compat --json
              sift bon --processbench gsm8k_prm.jsonl --threshold 0.5
            """)
        {
            input, mode, trials, seed, json, chart, dataset, budget, processBench, threshold,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var m = pr.GetValue(mode) == "compat" ? GradeMode.Compat : GradeMode.Strict;
            int t = pr.GetValue(trials);
            if (t < 1)
            {
                throw new SiftException("--trials must be at least 1");
            }
            ulong s = pr.GetValue(seed);
            if (pr.GetValue(processBench) is FileInfo pb)
            {
                return ProcessBenchReport(pb.FullName, pr.GetValue(threshold), pr.GetValue(json));
            }
            string path = (pr.GetValue(input) ?? throw new SiftException("give --input SCORED.jsonl (or --processbench FILE)")).FullName;
            var def = pr.GetValue(dataset) is string d ? DatasetRegistry.Get(d) : null;
            var progress = new ConsoleProgress();
            var clock = Stopwatch.StartNew();
            var scored = ScoredSamplesFile.Read(path, m, def, new GradeOptions { Budget = TimeSpan.FromSeconds(pr.GetValue(budget)) },
                (done, total) => progress.Report("grade", done, total, ""));
            progress.Done();
            double readSeconds = clock.Elapsed.TotalSeconds;
            if (scored.NegativeScores > 0)
            {
                Console.Error.WriteLine($"note: {scored.NegativeScores} samples have negative scores; weighted voting sums scores as given (meant for probabilities)");
            }
            if (scored.MaxPool != scored.Pool)
            {
                Console.Error.WriteLine($"note: pools differ ({scored.Pool}–{scored.MaxPool} samples per problem); N goes up to {scored.Pool}, each problem draws from all of its samples");
            }
            clock.Restart();
            var curves = ScalingCurves.Compute(scored.Problems, t, s);
            double curveSeconds = clock.Elapsed.TotalSeconds;
            var rows = BonReport.Rows(scored.Problems, curves);
            if (pr.GetValue(chart) is FileInfo c)
            {
                AtomicFile.WriteAllText(c.FullName, EvalCharts.Curves(curves, $"{Path.GetFileName(path)} ({MetricsReport.Name(m)}, {scored.Problems.Count} problems)"));
            }
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(BonReport.Json(scored, rows, m, t, s));
            }
            else
            {
                Console.WriteLine(BonReport.Markdown($"Best-of-N · {Path.GetFileName(path)}", scored, rows, m, t));
            }
            Console.Error.WriteLine($"read and graded in {readSeconds:0.00} s; curves ({t} subsets per N) in {curveSeconds:0.00} s{(pr.GetValue(chart) is FileInfo f ? $"; wrote {f.FullName}" : "")}");
            return 0;
        }));
        return cmd;
    }

    private static int ProcessBenchReport(string path, double? threshold, bool json)
    {
        var rows = ProcessBench.Score(ProcessBench.Read(path, threshold));
        if (json)
        {
            CommandRunner.WriteJson(new System.Text.Json.Nodes.JsonArray([.. rows.Select(r => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
            {
                ["split"] = r.Split,
                ["erroneous"] = r.Erroneous,
                ["correct"] = r.Correct,
                ["acc_error"] = Math.Round(r.ErrorAccuracy, 2),
                ["acc_correct"] = Math.Round(r.CorrectAccuracy, 2),
                ["f1"] = Math.Round(r.F1, 2),
            })]));
            return 0;
        }
        Console.WriteLine("| split | erroneous | correct | acc (erroneous) | acc (correct) | F1 |\n|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| {r.Split} | {r.Erroneous} | {r.Correct} | {r.ErrorAccuracy:0.0} | {r.CorrectAccuracy:0.0} | {r.F1:0.0} |"));
        }
        return 0;
    }
}
