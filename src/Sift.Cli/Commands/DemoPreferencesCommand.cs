using System.CommandLine;
using Sift.Core.Reporting;
using Sift.Pipelines.Demo.Preferences;

namespace Sift.Cli.Commands;

/// <summary>`sift demo preferences`: base model → SFT → KTO/DPO self-training on the built-in corpus, with held-out accuracy per stage over seeds and a decontamination check.</summary>
public static class DemoPreferencesCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Output folder (stages are cached there; a rerun skips finished ones)", DefaultValueFactory = _ => "runs/demo-preferences" };
        var quick = new Option<bool>("--quick") { Description = "The CI-sized run (well under 2 minutes on 2 cores): checks the pipeline, not which stage wins" };
        var json = new Option<bool>("--json") { Description = "Print the JSON summary (summary.json) on stdout" };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds, e.g. 4,5,6: SFT and every rule's iterations run once per seed (default 1,2,3)" };
        var iterations = new Option<int?>("--iterations") { Description = "Self-training iterations per rule and seed (default 1; 0 = stop after SFT)" };
        var rules = new Option<string?>("--rules") { Description = "Preference rules after SFT: kto, dpo or kto,dpo (default)" };
        var threads = new Option<int?>("--threads") { Description = "Compute threads (default: min(2, cores))" };
        var set = new Option<string[]>("--set") { Description = "Change a setting: pref.KEY (this demo), sft.KEY (the SFT run's recipe), or any `sift demo` setting (corpus, reference.KEY for the base model, ...); repeatable, --list-settings shows all", AllowMultipleArgumentsPerToken = false };
        var list = new Option<bool>("--list-settings") { Description = "Print every --set key and exit" };
        var cmd = new Command("preferences", """
            Preference learning on the built-in corpus, no arguments needed:
              corpus → tokenizer → base model (sift demo's reference model: CLM on the clean problems) →
              the training problems decontaminated against the held-out set (Orca-Math's check; a planted
              paraphrase of a held-out problem must be flagged) → per seed: answer-only SFT from the base model →
              KTO and DPO self-training from the SFT model (sample 4 solutions per problem, grade, train; one
              iteration, --iterations 2 for two) → held-out accuracy of every model (batched greedy, sift demo's grader) with mean ± sd
              over the seeds and paired 95% intervals against SFT → console table, OUT/report.md,
              OUT/preferences.svg, OUT/summary.json. About 15 minutes on 2 quiet cores; --quick well under 2.
            """)
        {
            output, quick, json, seeds, iterations, rules, threads, set, list,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            if (pr.GetValue(list))
            {
                Console.Write(PreferenceSettings.List());
                return 0;
            }
            var settings = new List<string>();
            if (pr.GetValue(seeds) is string ss)
            {
                settings.Add($"seeds={ss}");
            }
            if (pr.GetValue(iterations) is int it)
            {
                settings.Add(FormattableString.Invariant($"pref.iterations={it}"));
            }
            if (pr.GetValue(rules) is string rs)
            {
                settings.Add($"pref.rules={rs}");
            }
            if (pr.GetValue(threads) is int t)
            {
                settings.Add(FormattableString.Invariant($"train.threads={t}"));
            }
            settings.AddRange(pr.GetValue(set) ?? []);
            var o = PreferenceSettings.Build(pr.GetValue(quick), settings);
            bool asJson = pr.GetValue(json);
            IProgressReporter progress = asJson ? new ConsoleProgress(Console.Error) : new ConsoleProgress();
            string command = "./sift " + string.Join(" ", pr.Tokens.Select(tk => tk.Value.Contains(' ', StringComparison.Ordinal) ? $"'{tk.Value}'" : tk.Value));
            var r = new PreferencePipeline(o, progress) { Command = command }.Run(pr.GetValue(output)!, CommandRunner.CtrlC());
            if (asJson)
            {
                Console.WriteLine(PreferenceSummary.Build(r).ToJson());
            }
            else
            {
                Console.WriteLine();
                Console.Write(PreferenceReport.ConsoleTable(r));
                Console.WriteLine($"report: {Path.Combine(r.Folder, "report.md")}, chart: {Path.Combine(r.Folder, "preferences.svg")}, summary: {Path.Combine(r.Folder, "summary.json")}");
            }
            return 0;
        }));
        return cmd;
    }
}
