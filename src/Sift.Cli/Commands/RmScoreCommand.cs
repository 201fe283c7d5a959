using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Eval.Datasets;
using Sift.Inference;
using Sift.Rewards.Scoring;
using Sift.Text;

namespace Sift.Cli.Commands;

/// <summary>`sift rm score`: step and solution scores from a reward model, locally or over an endpoint.</summary>
public static class RmScoreCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Reward model folder (with tokenizer.json) or Hub id org/name[@revision]; or use --endpoint" };
        var hub = new HubCliOptions();
        var remote = new RemoteCliOptions();
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "With --endpoint: a folder with the served reward model's tokenizer.json (and tokenizer_config.json), to build the prompts as token ids" };
        var format = new Option<string>("--format") { Description = "rlhflow-prm | rlhflow-orm | math-shepherd | tagged", Required = true };
        var input = new Option<FileInfo>("--input", "-i") { Description = "JSONL with \"question\" and \"completion\" per line (e.g. the samples.jsonl of sift eval)", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "JSONL output: the input lines with step_scores and score; rerun to resume", Required = true };
        var aggregate = new Option<string?>("--aggregate") { Description = "min | last | product | mean (default: the format's source: rlhflow-prm mean, math-shepherd and tagged min)" };
        var split = new Option<string?>("--split") { Description = "Split solutions on this separator instead of the format's own rule; for tagged formats, untagged steps get the tag" };
        var stepTag = new Option<string?>("--step-tag") { Description = "tagged: the string that ends each step (the label is read at its last token)" };
        var good = new Option<string?>("--good") { Description = "tagged: the positive label token (one token)" };
        var bad = new Option<string?>("--bad") { Description = "tagged: the negative label token (one token)" };
        var chatTemplate = new Option<FileInfo?>("--chat-template") { Description = "rlhflow: a Jinja chat template file to use instead of tokenizer_config.json's" };
        var topLogprobs = new Option<int>("--top-logprobs") { Description = "With --endpoint: alternatives per position (vLLM's limit is --max-logprobs, default 20); a label outside them is reported missing", DefaultValueFactory = _ => 20 };
        var batch = new Option<int?>("--batch") { Description = "Solutions per batch (local 64, packed into forward calls; --endpoint 4 × --concurrency in flight)" };
        var badLines = new Option<string>("--bad-lines") { Description = "abort | skip: a line that cannot be scored stops the run, or is written with rm_error and counted", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("score", """
            Score solutions with a reward model. Each input line gains "step_scores" (P(good) / (P(good) + P(bad))
            per step, read at the step's label position; all steps of a solution in one forward pass) and "score"
            (their aggregate). Formats, as their sources build them:
              rlhflow-prm    RLHFlow Llama-3.1 PRM: user turn per step (the first is question + " " + step),
                             assistant "+", rendered with the model's chat template; steps split on "ки\n" when the
                             text has the tag, else on blank lines; mean of the steps
              rlhflow-orm    RLHFlow ORM: question + " " + solution (" ки" removed) in one turn
              math-shepherd  question + " " + solution with BOS; each step ends with "ки"; labels "+"/"-" as
                             encode("+ -"); read at each tag; minimum of the steps
              tagged         your own: --step-tag, --good, --bad; Math-Shepherd's layout
            With --endpoint URL (vLLM, sift serve) the values come from prompt logprobs (echo, top-k); a label
            outside the top-k is reported ("step_missing", "missing_steps") and the score left null, never
            estimated. The output is written in input order and flushed per line: rerun the same command to
            resume (a line cut by a kill is dropped, finished lines are never scored again).
            """)
        {
            model, tokenizer, format, input, output, aggregate, split, stepTag, good, bad, chatTemplate, topLogprobs, batch, badLines, threads, json,
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
                throw new SiftException("give exactly one of --model (a local reward model folder) and --endpoint (an OpenAI-compatible server)");
            }
            var fmt = RmFormats.Parse(pr.GetValue(format)!);
            var formatOptions = new RmFormatOptions(fmt, pr.GetValue(split), pr.GetValue(stepTag), pr.GetValue(good), pr.GetValue(bad),
                pr.GetValue(chatTemplate) is { } ct ? File.ReadAllText(ct.FullName) : null);
            var agg = pr.GetValue(aggregate) is { } a ? StepAggregation.Parse(a) : RmFormats.DefaultAggregate(fmt);
            string inPath = pr.GetRequiredValue(input).FullName, outPath = Path.GetFullPath(pr.GetRequiredValue(output));
            LoadedModel? lm = null;
            IStepScorer scorer;
            ITokenizer tok;
            int? bos;
            int batchSize;
            try
            {
                if (modelOpt is not null)
                {
                    if (pr.GetValue(tokenizer) is not null)
                    {
                        throw new SiftException("--tokenizer goes with --endpoint; a local --model uses its own");
                    }
                    lm = LoadedModel.Open(modelOpt.Path, pr.GetValue(threads));
                    tok = lm.RequireTokenizer("reward-model input");
                    bos = lm.BosId;
                    scorer = new LocalStepScorer(lm);
                    batchSize = pr.GetValue(batch) ?? 64;
                }
                else
                {
                    var tokDir = pr.GetValue(tokenizer) ?? throw new SiftException("--endpoint needs --tokenizer DIR (the reward model's tokenizer.json and tokenizer_config.json) to build the prompts as token ids");
                    if (!File.Exists(Path.Combine(tokDir.FullName, "tokenizer.json")))
                    {
                        throw new SiftException($"--tokenizer {tokDir.FullName}: no tokenizer.json there");
                    }
                    var hf = TokenizerFactory.Load(tokDir.FullName);
                    tok = hf;
                    bos = hf.BosId;
                    scorer = RemoteStepScorer.ConnectAsync(remote.Create(pr), pr.GetValue(topLogprobs), ownsEndpoint: true).GetAwaiter().GetResult();
                    batchSize = pr.GetValue(batch) ?? 4 * pr.GetValue(remote.Concurrency);
                }
                using (scorer)
                {
                    var setup = RmSetup.Create(formatOptions, tok, bos);
                    var settings = new Dictionary<string, string?>(setup.Settings)
                    {
                        ["scorer"] = scorer.Identity,
                        ["aggregate"] = StepAggregation.Name(agg),
                        ["top_logprobs"] = modelOpt is null ? pr.GetValue(topLogprobs).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                    };
                    var options = new RmScoreOptions(agg, Math.Max(1, batchSize), pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort, settings);
                    var r = new RmScoreRun(setup.Builder, scorer, setup.Labels, options, progress).Run(inPath, outPath, w => Console.Error.WriteLine($"warning: {w}"), CommandRunner.CtrlC());
                    var summary = new JsonObject
                    {
                        ["output"] = outPath,
                        ["format"] = RmFormats.Name(fmt),
                        ["aggregate"] = StepAggregation.Name(agg),
                        ["lines"] = r.Lines,
                        ["scored"] = r.Scored,
                        ["resumed"] = r.Resumed,
                        ["skipped"] = r.Skipped,
                        ["steps"] = r.Steps,
                        ["missing_steps"] = r.MissingSteps,
                        ["tokens"] = r.Tokens,
                        ["seconds"] = Math.Round(r.Seconds, 3),
                        ["tokens_per_s"] = Math.Round(r.Tokens / Math.Max(1e-9, r.Seconds), 1),
                    };
                    if (asJson)
                    {
                        CommandRunner.WriteJson(summary);
                    }
                    else
                    {
                        Console.WriteLine($"scored {r.Scored} solutions ({r.Steps} steps, {r.MissingSteps} unscored) in {r.Seconds:0.0}s, {r.Tokens / Math.Max(1e-9, r.Seconds):N0} tok/s" +
                            (r.Resumed > 0 ? $"; {r.Resumed} were already done" : "") + (r.Skipped > 0 ? $"; {r.Skipped} lines could not be scored (rm_error)" : "") + $" -> {outPath}");
                    }
                }
            }
            finally
            {
                lm?.Dispose();
            }
            return 0;
        }));
        return cmd;
    }
}
