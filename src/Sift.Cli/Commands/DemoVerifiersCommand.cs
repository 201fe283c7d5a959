using System.CommandLine;
using System.Globalization;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Pipelines.Demo.Verifiers;

namespace Sift.Cli.Commands;

/// <summary>`sift demo verifiers`: best-of-N with a PRM and an ORM trained on the built-in corpus, against majority voting and pass@N.</summary>
public static class DemoVerifiersCommand
{
    /// <summary>Creates the subcommand.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Output folder (stages are cached there; a rerun skips finished ones)", DefaultValueFactory = _ => "runs/demo-verifiers" };
        var quick = new Option<bool>("--quick") { Description = "The CI-sized run (well under 2 minutes on 2 cores): checks the pipeline, not the verifiers" };
        var json = new Option<bool>("--json") { Description = "Print the JSON summary (summary.json) on stdout" };
        var n = new Option<int?>("--n", "-n") { Description = "Samples per test problem; curves go N = 1, 2, 4, ... up to it (default 32)" };
        var problems = new Option<int?>("--problems") { Description = "Held-out problems the curves are measured on (default 200)" };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds, e.g. 1,2,3: each redraws the samples, the labels and the verifiers (default 1,2,3)" };
        var verifierSteps = new Option<int?>("--verifier-steps") { Description = "Training steps of the PRM and of the ORM (default 150)" };
        var trainSamples = new Option<int?>("--train-samples") { Description = "Solutions sampled per training problem, each labelled for the verifiers (default 4)" };
        var threads = new Option<int?>("--threads") { Description = "Compute threads (default: min(2, cores))" };
        var set = new Option<string[]>("--set") { Description = "Change a setting of the solver and corpus, as `sift demo --set` (e.g. --set reference.train.max_steps=600)", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("verifiers", """
            Verifiers on the built-in corpus: the demo's reference model is the solver; N solutions per held-out
            problem are sampled and graded; a PRM (trained from Monte-Carlo step labels, Math-Shepherd style) and an
            ORM (trained from outcome labels) learn on other held-out problems; curves of pass@N, majority@N,
            ORM/PRM best-of-N and reward-weighted voting against N, with intervals over seeds, in a console
            table, OUT/report.md, OUT/verifiers.svg and OUT/summary.json. About 15 minutes on 2 quiet cores.
            """)
        {
            output, quick, json, n, problems, seeds, verifierSteps, trainSamples, threads, set,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var settings = new List<string>(pr.GetValue(set) ?? []);
            if (pr.GetValue(threads) is int t)
            {
                settings.Add(FormattableString.Invariant($"train.threads={t}"));
            }
            var o = pr.GetValue(quick) ? VerifierOptions.Quick(settings) : VerifierOptions.Default(settings);
            if (pr.GetValue(n) is int nn)
            {
                o = o with { Samples = nn };
            }
            if (pr.GetValue(problems) is int p)
            {
                o = o with { TestProblems = p };
            }
            if (pr.GetValue(verifierSteps) is int vs)
            {
                o = o with { VerifierSteps = vs };
            }
            if (pr.GetValue(trainSamples) is int ts)
            {
                o = o with { TrainSamples = ts };
            }
            if (pr.GetValue(seeds) is string ss)
            {
                o = o with { Seeds = ParseSeeds(ss) };
            }
            var progress = new ConsoleProgress();
            string command = "./sift " + string.Join(" ", pr.Tokens.Select(tk => tk.Value.Contains(' ', StringComparison.Ordinal) ? $"'{tk.Value}'" : tk.Value));
            var r = new VerifierPipeline(o, progress) { Command = command }.Run(pr.GetValue(output)!, CommandRunner.CtrlC());
            if (pr.GetValue(json))
            {
                Console.WriteLine(VerifierReport.Json(r.Summary));
                return 0;
            }
            Console.WriteLine();
            Console.WriteLine("Accuracy (%) against N, mean ± sd over seeds:");
            Console.Write(VerifierReport.Table(r.Summary, markdown: false));
            if (r.Summary.VerifiersNote is string note)
            {
                Console.WriteLine(note);
            }
            foreach (string line in r.Summary.Reading)
            {
                Console.WriteLine(line);
            }
            Console.WriteLine($"report: {Path.Combine(r.Folder, "report.md")}, chart: {Path.Combine(r.Folder, "verifiers.svg")}, summary: {Path.Combine(r.Folder, "summary.json")}");
            return 0;
        }));
        return cmd;
    }

    private static List<ulong> ParseSeeds(string text)
    {
        var list = new List<ulong>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : throw new SiftException($"--seeds '{text}': '{part}' is not a seed (a non-negative integer)"));
        }
        return list;
    }
}
