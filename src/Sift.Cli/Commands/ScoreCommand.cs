using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Pipelines.Inference;
using Sift.Pipelines.Reporting;

namespace Sift.Cli.Commands;

/// <summary>`sift score`: per-token losses of a model over JSONL text or token ids.</summary>
public static class ScoreCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "Model folder (tokenizer.json optional for token-id input)", Required = true };
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSONL with {\"text\": ...} or {\"tokens\": [...]} per line", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "JSONL written with \"tokens\" and \"losses\" added (losses[i] = -log p(tokens[i+1] | tokens[..i]))", Required = true };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not prepend the BOS token to text input" };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("score", "Score text or token ids with a model: the reference-model scoring primitive of selective training.")
        {
            model, input, output, noBos, threads, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            using var lm = LoadedModel.Open(pr.GetRequiredValue(model).FullName, pr.GetValue(threads));
            var scorer = new JsonlScorer(lm, pr.GetValue(json) ? NullProgress.Instance : new ConsoleProgress()) { AddBos = !pr.GetValue(noBos) };
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (lines, tokens) = scorer.Run(pr.GetRequiredValue(input).FullName, pr.GetRequiredValue(output).FullName, CommandRunner.CtrlC());
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(new JsonObject { ["lines"] = lines, ["tokens_scored"] = tokens, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 3), ["output"] = pr.GetRequiredValue(output).FullName });
            }
            else
            {
                Console.WriteLine($"scored {lines} lines, {tokens:N0} tokens in {sw.Elapsed.TotalSeconds:0.0}s -> {pr.GetRequiredValue(output).FullName}");
            }
            return 0;
        }));
        return cmd;
    }
}
