using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core.Reporting;
using Sift.Pipelines.Training;
using Sift.Pipelines.Training.Metrics;
using Sift.Pipelines.Training.Objectives;

namespace Sift.Cli.Commands;

/// <summary>`sift train`: run a YAML training recipe.</summary>
public static class TrainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c") { Description = "Training recipe (YAML). Keys: model.*, data.*, train.*, optim.*, eval.*, checkpoint.*, log.*" };
        var set = new Option<string[]>("--set") { Description = "Override a recipe key, e.g. --set train.max_steps=100 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (same recipe)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary on stdout" };
        var listKeys = new Option<bool>("--list-keys") { Description = "Print every recipe key with its default, accepted values and meaning, and exit" };
        var cmd = new Command("train", """
            Train a Llama-architecture model on packed token shards.
            The run folder (out_dir, default runs/<name>) gets recipe.resolved.yaml, metrics.jsonl,
            checkpoints/step-N (Hugging Face folders + optimizer state), model/ (final) and loss.svg.
            Minimal recipe:
              data:
                train: data/clean          # from `sift data pack`
              model:
                preset: tiny               # tiny | small | tinyllama-1.1b | path/to/config.json
              train:
                seq_len: 256
                micro_batch: 8
                max_steps: 1000            # or max_tokens
              optim:
                lr: 3e-3
            Every key, its default and what it accepts: sift train --list-keys.
            Objectives (train.objective):
            OBJECTIVES
            """.Replace("OBJECTIVES", string.Join("\n", ObjectiveRegistry.All.Select(o => $"  {o.Name,-8} {o.Help}")), StringComparison.Ordinal))
        { config, set, resume, json, listKeys };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            if (pr.GetValue(listKeys))
            {
                Console.Write(RecipeKeys.Table.List());
                return 0;
            }
            var recipe = TrainRecipe.Load(pr.GetValue(config)?.FullName, pr.GetValue(set) ?? []);
            bool asJson = pr.GetValue(json);
            var progress = new ConsoleProgress();
            var run = new TrainingRun(recipe, progress);
            var s = run.Execute(pr.GetValue(resume), CommandRunner.CtrlC());
            if (asJson)
            {
                CommandRunner.WriteJson(new JsonObject
                {
                    ["run_dir"] = s.RunDir,
                    ["model_dir"] = s.ModelDir,
                    ["steps"] = s.Steps,
                    ["tokens"] = s.Tokens,
                    ["final_loss"] = s.FinalLoss,
                    ["eval_loss"] = s.EvalLoss,
                    ["tokens_per_s"] = Math.Round(s.TokensPerSecond, 1),
                    ["seconds"] = Math.Round(s.Seconds, 2),
                    ["stopped"] = s.Stopped,
                    ["trained_tokens"] = s.TrainedTokens,
                    ["final_eval"] = s.FinalEval is { } fe ? JsonNode.Parse(MetricsLog.Serialize(fe)) : null,
                });
            }
            else
            {
                Console.WriteLine($"{(s.Stopped ? "stopped" : "done")}: {s.Steps} steps, {s.Tokens:N0} tokens, loss {s.FinalLoss:0.0000}" +
                    (s.EvalLoss is double e ? $", eval loss {e:0.0000}" : "") + $", {s.TokensPerSecond:N0} tok/s");
                Console.WriteLine($"run folder: {s.RunDir}");
            }
            return 0;
        }));
        return cmd;
    }
}
