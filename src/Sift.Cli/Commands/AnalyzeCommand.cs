using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core.Reporting;
using Sift.Pipelines.Analysis;

namespace Sift.Cli.Commands;

/// <summary>`sift analyze`: token-loss dynamics and selection analysis of a training run.</summary>
public static class AnalyzeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var d = new AnalysisOptions { RunDir = "" };
        var run = new Option<DirectoryInfo>("--run", "-r") { Description = "Training run folder (train it with checkpoint.keep: 0 to keep every checkpoint)", Required = true };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Token dataset to analyse (default: the run's data.valid, else the held-out windows of data.train)" };
        var labels = new Option<DirectoryInfo?>("--labels") { Description = "Provenance side shard of --data (default: the run's data.labels)" };
        var scores = new Option<DirectoryInfo?>("--ref-scores") { Description = "Reference scores of --data, to replay SLM selection (default: the run's data.ref_scores)" };
        var checkpoints = new Option<string[]>("--checkpoint") { Description = "Checkpoint folders in training order (repeatable; default: all of the run's)", AllowMultipleArgumentsPerToken = true };
        var tokens = new Option<int>("--tokens") { Description = "Held-out tokens to analyse", DefaultValueFactory = _ => d.Tokens };
        var threshold = new Option<double>("--threshold") { Description = "Loss change (nats) that separates H->L / L->H from flat tokens", DefaultValueFactory = _ => d.Threshold };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "Output folder (default RUN/analysis)" };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => d.Threads };
        var json = new Option<bool>("--json") { Description = "Print analysis.json as the JSON summary" };
        var cmd = new Command("analyze", """
            Analyse a training run across its checkpoints:
              (a) Rho-1 token-loss dynamics on held-out tokens: a least-squares line per token over the
                  checkpoints; H->L / L->H when the fitted change is below / above -/+threshold, else L->L or
                  H->H by the last checkpoint's loss against the mean; shares overall and per provenance label
              (b) what SLM selected: by label from the run's metrics, and by label and window position
                  replayed on the held-out tokens at every checkpoint with the reference scores
              (c) SVG charts and analysis.json in RUN/analysis
            """)
        { run, data, labels, scores, checkpoints, tokens, threshold, output, threads, json };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var opts = new AnalysisOptions
            {
                RunDir = pr.GetRequiredValue(run).FullName,
                Data = pr.GetValue(data)?.FullName,
                Labels = pr.GetValue(labels)?.FullName,
                RefScores = pr.GetValue(scores)?.FullName,
                Checkpoints = pr.GetValue(checkpoints) is { Length: > 0 } c ? c : null,
                Tokens = pr.GetValue(tokens),
                Threshold = pr.GetValue(threshold),
                OutDir = pr.GetValue(output)?.FullName,
                Threads = Math.Max(1, pr.GetValue(threads)),
            };
            bool asJson = pr.GetValue(json);
            var r = new RunAnalyzer(opts, asJson ? NullProgress.Instance : new ConsoleProgress()).Run(CommandRunner.CtrlC());
            if (asJson)
            {
                CommandRunner.WriteJson(r.Summary);
                return 0;
            }
            var h = r.Headline;
            Console.WriteLine($"{h.TokensAnalyzed} tokens from {h.Source}, {h.Checkpoints} checkpoints");
            Console.WriteLine("token dynamics: " + string.Join(", ", h.Shares.Select(kv => $"{kv.Key} {kv.Value:P1}")));
            foreach (var (label, (shares, count)) in h.ByLabel)
            {
                Console.WriteLine($"  {label,-14} " + string.Join(" ", shares.Select(kv => $"{kv.Key} {kv.Value,6:P1}")) + $"  ({count} tokens)");
            }
            if (h.SelectedDuringTraining is { } trained)
            {
                Console.WriteLine("selected during training: " + string.Join(", ", trained.Select(kv => $"{kv.Key} {kv.Value:P1}")));
            }
            Console.WriteLine($"charts and analysis.json in {r.OutDir}");
            return 0;
        }));
        return cmd;
    }
}
