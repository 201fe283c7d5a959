using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Engine.Inference;
using Sift.Eval.Datasets;
using Sift.Grading;
using Sift.Inference;
using Sift.Rewards.Labels;

namespace Sift.Cli.Commands;

/// <summary>`sift rm label`: Monte-Carlo step labels (Math-Shepherd) from a completer, locally or over an endpoint.</summary>
public static class RmLabelCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Completer model folder or Hub id org/name[@revision]; or use --endpoint" };
        var hub = new HubCliOptions();
        var remote = new RemoteCliOptions();
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSONL: samples lines (question, completion or steps, gold) or PRM800K records", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "JSONL output, one labelled record per input line; rerun to resume", Required = true };
        var format = new Option<string>("--format") { Description = "rlhflow | prm800k | math-shepherd: the record layout written", DefaultValueFactory = _ => "rlhflow" };
        format.AcceptOnlyFromAmong("rlhflow", "prm800k", "math-shepherd");
        var k = new Option<int>("-k", "--completions") { Description = "Completions per step prefix (Math-Shepherd 8, RLHFlow 16)", DefaultValueFactory = _ => 8 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "Completer temperature", DefaultValueFactory = _ => 0.7f };
        var topP = new Option<float>("--top-p") { Description = "Completer nucleus mass (1 = off)", DefaultValueFactory = _ => 1f };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per completion", DefaultValueFactory = _ => 512 };
        var seed = new Option<ulong>("--seed") { Description = "Base seed (each completion's seed comes from it, the line, the step and its index)", DefaultValueFactory = _ => 1UL };
        var mode = new Option<string>("--mode") { Description = "strict | compat: how a completion's answer is graded against the gold", DefaultValueFactory = _ => "strict" };
        mode.AcceptOnlyFromAmong("strict", "compat");
        var goldField = new Option<string>("--gold-field") { Description = "Field of a samples line holding the gold answer", DefaultValueFactory = _ => "gold" };
        var split = new Option<string?>("--split") { Description = "Split a completion into steps on this separator (default: the ки tag when present, else blank lines)" };
        var template = new Option<string>("--template") { Description = "Completer prompt with {question} and {steps} (the prefix, steps joined by a blank line); \\n is a newline", DefaultValueFactory = _ => McLabelOptions.DefaultTemplate.Replace("\n", "\\n", StringComparison.Ordinal) };
        var stop = new Option<string[]>("--stop") { Description = "Stop string for completions (repeatable; \\n is a newline)", AllowMultipleArgumentsPerToken = false };
        var batch = new Option<int?>("--batch") { Description = "Solutions whose completions are drawn together (local 4; --endpoint 16)" };
        var badLines = new Option<string>("--bad-lines") { Description = "abort | skip: a line that cannot be labelled stops the run, or is written with rm_error", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("label", """
            Monte-Carlo step labels (Math-Shepherd §3.3): for each prefix s_1..s_i of a solution, K completions are
            drawn by a completer model (local, or --endpoint), their final answers graded against the gold answer
            (Sift's grader, strict by default). Hard label: some completion is correct ("+"), else "-"; soft label:
            the share correct. The last step is graded as written (the whole solution). Input lines: samples lines
            (question, completion split into steps, or steps as a list; gold answer in "gold") or PRM800K records.
            Output: --format rlhflow (a "conversations" list: user turn per step, assistant "+"/"-", RLHFlow's PRM
            data), prm800k (one completion per step rated 1/-1) or math-shepherd (input/label with ки and +/-);
            each record also has soft_labels, correct_completions and completions per step. Rerun to resume.
            """)
        {
            model, input, output, format, k, temperature, topP, maxTokens, seed, mode, goldField, split, template, stop, batch, badLines, threads, json,
        };
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            bool asJson = pr.GetValue(json);
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            var modelOpt = hub.Model(pr, model, quiet: asJson);
            if ((modelOpt is null) == !remote.Given(pr))
            {
                throw new SiftException("give exactly one of --model (a local completer model) and --endpoint (an OpenAI-compatible server)");
            }
            int kk = pr.GetValue(k);
            if (kk < 1)
            {
                throw new SiftException($"-k: expected ≥ 1 completions per step, got {kk}");
            }
            var sampling = new SamplingOptions { Temperature = pr.GetValue(temperature), TopP = pr.GetValue(topP) };
            var gradeMode = pr.GetValue(mode) == "compat" ? GradeMode.Compat : GradeMode.Strict;
            string tmpl = Unescape(pr.GetValue(template)!);
            if (!tmpl.Contains("{steps}", StringComparison.Ordinal))
            {
                throw new SiftException("--template: it has no {steps}, so the completer would not see the prefix it continues");
            }
            var stops = (pr.GetValue(stop) ?? []).Select(Unescape).ToArray();
            var labelOptions = new McLabelOptions(kk, pr.GetValue(maxTokens), sampling, pr.GetValue(seed), gradeMode, tmpl, stops);
            var fmt = LabelRecord.Parse(pr.GetValue(format)!);
            string inPath = pr.GetRequiredValue(input).FullName, outPath = Path.GetFullPath(pr.GetRequiredValue(output));
            using ICompletionBackend completer = modelOpt is not null
                ? new LocalCompletionBackend(LoadedModel.Open(modelOpt.Path, pr.GetValue(threads)), 8, ownsModel: true)
                : new OpenAiCompletionBackend(remote.Create(pr), ownsEndpoint: true);
            var settings = new Dictionary<string, string?>
            {
                ["completer"] = completer.Name,
                ["k"] = kk.ToString(CultureInfo.InvariantCulture),
                ["temperature"] = sampling.Temperature.ToString("R", CultureInfo.InvariantCulture),
                ["top_p"] = sampling.TopP.ToString("R", CultureInfo.InvariantCulture),
                ["max_tokens"] = labelOptions.MaxTokens.ToString(CultureInfo.InvariantCulture),
                ["seed"] = labelOptions.Seed.ToString(CultureInfo.InvariantCulture),
                ["mode"] = pr.GetValue(mode),
                ["template"] = tmpl,
                ["stop"] = string.Join("\u001f", stops),
                ["format"] = LabelRecord.Name(fmt),
                ["gold_field"] = pr.GetValue(goldField),
                ["split"] = pr.GetValue(split),
            };
            var runOptions = new McLabelRunOptions(fmt, pr.GetValue(goldField)!, pr.GetValue(split) is { } s ? Unescape(s) : null,
                Math.Max(1, pr.GetValue(batch) ?? (modelOpt is null ? 16 : 4)), pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort, settings);
            var r = new McLabelRun(new McStepLabeler(completer, labelOptions), runOptions, progress).Run(inPath, outPath, w => Console.Error.WriteLine($"warning: {w}"), CommandRunner.CtrlC());
            if (asJson)
            {
                CommandRunner.WriteJson(new JsonObject
                {
                    ["output"] = outPath,
                    ["format"] = LabelRecord.Name(fmt),
                    ["lines"] = r.Lines,
                    ["labelled"] = r.Labelled,
                    ["resumed"] = r.Resumed,
                    ["skipped"] = r.Skipped,
                    ["steps"] = r.Steps,
                    ["positive_steps"] = r.PositiveSteps,
                    ["completions"] = r.Completions,
                    ["seconds"] = Math.Round(r.Seconds, 3),
                });
            }
            else
            {
                Console.WriteLine($"labelled {r.Labelled} solutions ({r.Steps} steps, {r.PositiveSteps} '+') from {r.Completions} completions in {r.Seconds:0.0}s" +
                    (r.Resumed > 0 ? $"; {r.Resumed} were already done" : "") + (r.Skipped > 0 ? $"; {r.Skipped} lines could not be labelled (rm_error)" : "") + $" -> {outPath}");
            }
            return 0;
        }));
        return cmd;
    }

    private static string Unescape(string s) => s.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
}
