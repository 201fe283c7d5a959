using System.CommandLine;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Pipelines.Demo;
using Sift.Pipelines.Demo.Study;

namespace Sift.Cli.Commands;

/// <summary>`sift demo`: Sift's main job, Rho-1's headline reproduced end to end on the built-in corpus (and `--study`).</summary>
public static class DemoCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Output folder (stages are cached there; a rerun skips finished ones)", DefaultValueFactory = _ => "runs/demo" };
        var quick = new Option<bool>("--quick") { Description = "The CI-sized demo (under 2 minutes on 2 cores): checks the pipeline, not which objective wins" };
        var json = new Option<bool>("--json") { Description = "Print the JSON summary (summary.json) on stdout" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the corpus, tokenizer, base and reference model (default 1)" };
        var seeds = new Option<string?>("--seeds") { Description = "The students' seeds, e.g. 4,5,6: every arm is trained once per seed and the verdict has intervals over them (default 1,2,3)" };
        var regime = new Option<string?>("--regime") { Description = "scratch (students from random weights) or continued (from a base model pretrained on general text)" };
        regime.AcceptOnlyFromAmong("scratch", "continued");
        var threads = new Option<int?>("--threads") { Description = "Compute threads (default: min(2, cores))" };
        var set = new Option<string[]>("--set") { Description = "Change a setting: any recipe key (both runs) or reference.KEY / student.KEY (one run), or a demo key, e.g. --set student.train.max_steps=800 --set corpus.noise_share=0.7 (repeatable; --list-settings shows all)", AllowMultipleArgumentsPerToken = false };
        var list = new Option<bool>("--list-settings") { Description = "Print every --set key and exit" };
        var study = new Option<bool>("--study") { Description = "Sweep noise, select ratio, model size and steps; write a study report (default out: runs/study)" };
        var grid = new Option<FileInfo?>("--grid") { Description = "With --study: a YAML grid file (axes as comma lists; see `sift demo --study --help`)" };
        var cmd = new Command("demo", """
            Sift's main job, no arguments needed: Rho-1's selective language modeling end to end on the built-in corpus.
              synth → tokenizer → pack → reference model (on clean problems) → scoring of the crawl-like web
              corpus → CLM, SLM and random-selection students at an equal step and token budget (same
              initialisation, data order and seed; they differ only in the loss mask) → held-out clean loss
              and greedy accuracy at checkpoints → console table, OUT/report.md, OUT/demo.svg, OUT/summary.json.
            Speedups are reported in both accountings: tokens processed (every token of every batch) and
            selected tokens (only those that received gradient, Rho-1's Table 1). FLOPs include the reference
            model's training and the scoring pass. About 15 minutes on 2 quiet cores; --quick under 2.

            --study sweeps a grid of demo settings (each axis a comma list of values, one axis varied at a time
            around the base unless `mode: product`), reusing cached corpora, reference models and scores,
            and writes OUT/study.md, OUT/study.json and charts. Grid file keys: base.<setting>, axis.<setting>,
            mode (one-at-a-time | product), quick (true to start from --quick sizes).
            """)
        {
            output, quick, json, seed, seeds, regime, threads, set, list, study, grid,
            DemoPreferencesCommand.Create(),
        };
        cmd.Subcommands.Add(DemoVerifiersCommand.Create());
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            if (pr.GetValue(list))
            {
                Console.Write(DemoSettings.List());
                return 0;
            }
            var settings = new List<string>();
            if (pr.GetValue(seed) is ulong s)
            {
                settings.Add(FormattableString.Invariant($"seed={s}"));
            }
            if (pr.GetValue(seeds) is string ss)
            {
                settings.Add($"seeds={ss}");
            }
            if (pr.GetValue(regime) is string rg)
            {
                settings.Add($"regime={rg}");
            }
            if (pr.GetValue(threads) is int t)
            {
                settings.Add(FormattableString.Invariant($"train.threads={t}"));
            }
            settings.AddRange(pr.GetValue(set) ?? []);
            var o = DemoSettings.Build(pr.GetValue(quick), settings);
            var progress = new ConsoleProgress();
            var cancel = CommandRunner.CtrlC();
            string command = "./sift " + string.Join(" ", pr.Tokens.Select(tk => tk.Value.Contains(' ', StringComparison.Ordinal) ? $"'{tk.Value}'" : tk.Value));
            if (pr.GetValue(study))
            {
                string outDir = pr.GetResult(output) is null || pr.GetResult(output)!.Implicit ? "runs/study" : pr.GetValue(output)!;
                var g = StudyGrid.Load(pr.GetValue(grid)?.FullName, o, pr.GetValue(quick));
                var sr = new StudyPipeline(g, progress) { Command = command }.Run(outDir, cancel);
                if (pr.GetValue(json))
                {
                    CommandRunner.WriteJson(StudyReport.Json(sr));
                }
                else
                {
                    Console.WriteLine(StudyReport.ConsoleTable(sr));
                    Console.WriteLine($"report: {Path.Combine(sr.Folder, "study.md")}");
                }
                return 0;
            }
            if (pr.GetValue(grid) is not null)
            {
                throw new SiftException("--grid needs --study");
            }
            var r = new DemoPipeline(o, progress) { Command = command }.Run(pr.GetValue(output)!, cancel);
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(DemoSummary.Build(r));
            }
            else
            {
                Console.WriteLine();
                Console.WriteLine(DemoReport.Headline(r));
                Console.WriteLine();
                Console.Write(DemoReport.ConsoleTable(r));
                Console.WriteLine($"report: {Path.Combine(r.Folder, "report.md")}, chart: {Path.Combine(r.Folder, "demo.svg")}, summary: {Path.Combine(r.Folder, "summary.json")}");
            }
            return 0;
        }));
        return cmd;
    }
}
