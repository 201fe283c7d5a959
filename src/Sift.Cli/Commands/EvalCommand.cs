using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Eval.Datasets;
using Sift.Eval.Metrics;
using Sift.Eval.Prompts;
using Sift.Eval.Reporting;
using Sift.Eval.Samples;
using Sift.Grading;
using Sift.Inference;
using Sift.Pipelines.Evaluation;
using Sift.Sandbox;

namespace Sift.Cli.Commands;

/// <summary>`sift eval`: run a benchmark on a model, or re-grade completions made elsewhere.</summary>
public static class EvalCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var dataset = new Option<string?>("--dataset", "-d") { Description = $"Benchmark: {string.Join(", ", DatasetRegistry.All.Select(d => d.Name))}" };
        var data = new Option<string?>("--data") { Description = "The benchmark file (JSONL or Parquet), or a folder holding the harness layout (default: the shared data folder, else the Hugging Face dataset)" };
        var model = new Option<string?>("--model", "-m") { Description = "Model to evaluate: a folder (config.json + safetensors + tokenizer.json) or a Hub id org/name[@revision]" };
        var hub = new HubCliOptions();
        var completions = new Option<FileInfo?>("--completions", "-c") { Description = "Re-grade completions made elsewhere (harness output JSONL or a Sift samples.jsonl); no model needed" };
        var prompt = new Option<string>("--prompt", "-p") { Description = "cot (few-shot, as Rho-1's harness), pal (program-aided), tool (ToRA-style, code is run), chat (zero-shot, \\boxed{})", DefaultValueFactory = _ => "cot" };
        prompt.AcceptOnlyFromAmong("cot", "pal", "tool", "chat");
        var chatTemplate = new Option<string>("--chat-template") { Description = "For --prompt chat: user-assistant (User:/Assistant:) or chatml (<|im_start|>)", DefaultValueFactory = _ => "user-assistant" };
        chatTemplate.AcceptOnlyFromAmong([.. ChatTemplate.All.Select(t => t.Name)]);
        var fewShot = new Option<string?>("--few-shot") { Description = $"Other few-shot file: embedded ({string.Join(", ", PromptLibrary.Names)}), a path, or none" };
        var samples = new Option<int>("--samples", "-n") { Description = "Completions per problem (maj@k, pass@k with k up to n)", DefaultValueFactory = _ => 1 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 = greedy (the harness default)", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 1f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens (0 = off)", DefaultValueFactory = _ => 0 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per generation call", DefaultValueFactory = _ => 1024 };
        var seed = new Option<ulong>("--seed") { Description = "Base sampling seed", DefaultValueFactory = _ => 0UL };
        var limit = new Option<int?>("--limit") { Description = "Only the first N problems" };
        var output = new Option<string?>("--out", "-o") { Description = "Run folder (default runs/eval/<model>/<dataset>-<prompt>-t<T>-seed<S>); running again resumes it" };
        var mode = new Option<string>("--mode") { Description = "Headline numbers: strict (correct verdicts) or compat (Rho-1/ToRA harness, comparable with published numbers); both are recorded", DefaultValueFactory = _ => "strict" };
        mode.AcceptOnlyFromAmong("strict", "compat");
        var json = new Option<bool>("--json") { Description = "Print the metrics as JSON" };
        var badLines = new Option<string>("--bad-lines") { Description = "Malformed JSONL lines: abort (default) or skip (each reported with file:line, then counted)", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var batch = new Option<int>("--batch") { Description = "Sequences decoded together (local model)", DefaultValueFactory = _ => 8 };
        var threads = new Option<int>("--threads") { Description = "Compute threads (local model)", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var weights = WeightsOption.Create();
        var maxRounds = new Option<int>("--max-rounds") { Description = "Tool-integrated: most generation rounds", DefaultValueFactory = _ => 4 };
        var execTimeout = new Option<double>("--exec-timeout") { Description = "PAL/tool: wall-clock seconds per program run (the harness used 5)", DefaultValueFactory = _ => 5.0 };
        var budget = new Option<double>("--budget") { Description = "Seconds allowed per answer comparison (a timeout counts as wrong)", DefaultValueFactory = _ => 3.0 };
        var trials = new Option<int>("--trials") { Description = "Random subsets per N for the scaling curves", DefaultValueFactory = _ => 400 };
        var list = new Option<bool>("--list") { Description = "List the benchmarks and where their files are" };
        var remote = new RemoteCliOptions();
        var backendOpt = BackendOption.Create();
        var cmd = new Command("eval", """
            Evaluate a model on a math benchmark, or re-grade completions made elsewhere. Every completion is graded in
            strict and compat mode and appended to samples.jsonl as it arrives; running the same command again resumes.
              sift eval --model runs/first/model --dataset gsm8k --limit 100
              sift eval --model m --dataset math500 --prompt chat -n 8 --temperature 0.7
              sift eval --completions outputs/gsm8k/test_cot_-1_seed0_t0.0_s0_e-1.jsonl --dataset gsm8k --mode compat --json
            """)
        {
            dataset, data, model, completions, prompt, chatTemplate, fewShot, samples, temperature, topP, topK, maxTokens, seed,
            limit, output, mode, json, badLines, batch, threads, weights, maxRounds, execTimeout, budget, trials, list, backendOpt,
        };
        remote.AddTo(cmd);
        hub.AddTo(cmd);
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            if (pr.GetValue(list))
            {
                return List();
            }
            var def = DatasetRegistry.Get(pr.GetValue(dataset) ?? throw new SiftException($"give --dataset ({string.Join(", ", DatasetRegistry.All.Select(d => d.Name))})"));
            var m = pr.GetValue(mode) == "compat" ? GradeMode.Compat : GradeMode.Strict;
            var policy = pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort;
            var grading = new GradeOptions { Budget = TimeSpan.FromSeconds(pr.GetValue(budget)) };
            if (pr.GetValue(completions) is FileInfo f)
            {
                if (pr.GetValue(model) is not null || remote.Given(pr))
                {
                    throw new SiftException("give --model (to generate) or --completions (to re-grade), not both");
                }
                return Regrade(f.FullName, def, m, grading, policy, pr.GetValue(output), pr.GetValue(json), pr.GetValue(trials));
            }
            if ((pr.GetValue(model) is null) == !remote.Given(pr))
            {
                throw new SiftException("give --model DIR (a local model) or --endpoint URL (an OpenAI-compatible server) to evaluate, or --completions FILE to re-grade completions");
            }
            string? gguf = BackendOption.GgufPath(pr, backendOpt, model);
            var md = gguf is null ? hub.Model(pr, model) : null;
            var kind = PromptKinds.Parse(pr.GetValue(prompt)!);
            var progress = new ConsoleProgress();
            var ds = DatasetLoader.Load(def, HubCliOptions.Resolve(hub.Settings(pr), false, r => DatasetLoader.Locate(def, pr.GetValue(data), r)), policy, progress.Line);
            var builder = new PromptBuilder(def, kind, pr.GetValue(fewShot), ChatTemplate.Get(pr.GetValue(chatTemplate)!));
            float t = pr.GetValue(temperature);
            using ICompletionBackend backend = gguf is not null
                ? new LocalCompletionBackend(Sift.LlamaCpp.Backend.LlamaCppModel.Open(gguf, pr.GetValue(threads)), pr.GetValue(batch), ownsModel: true)
                : md is not null
                ? OpenBackend(md.Path, pr.GetValue(threads), pr.GetValue(batch), WeightsOption.Get(pr, weights))
                : new OpenAiCompletionBackend(remote.Create(pr), ownsEndpoint: true);
            string modelName = gguf is not null ? SafeName(Path.GetFileNameWithoutExtension(gguf)) : md?.Name ?? SafeName(((OpenAiCompletionBackend)backend).Model);
            string outDir = pr.GetValue(output) ?? Path.Combine("runs", "eval", modelName,
                string.Create(CultureInfo.InvariantCulture, $"{def.Name}-{kind.Name()}-t{t:0.###}-seed{pr.GetValue(seed)}"));
            var options = new EvalRunOptions
            {
                Dataset = ds,
                Prompts = builder,
                OutDir = outDir,
                Samples = pr.GetValue(samples),
                Temperature = t,
                TopP = pr.GetValue(topP),
                TopK = pr.GetValue(topK),
                MaxTokens = pr.GetValue(maxTokens),
                Seed = pr.GetValue(seed),
                Limit = pr.GetValue(limit),
                Mode = m,
                Grading = grading,
                MaxRounds = pr.GetValue(maxRounds),
                CurveTrials = pr.GetValue(trials),
                BadLines = policy,
                Chunk = Math.Max(64, 8 * pr.GetValue(batch)),
            };
            if (ds.Report.Skipped > 0)
            {
                progress.Line($"{ds.Path}: skipped {ds.Report.Skipped} malformed line(s)");
            }
            using var executor = OpenExecutor(kind, pr.GetValue(execTimeout));
            EvalResult result;
            try
            {
                result = new EvalRun(backend, executor, options, progress).RunAsync(CommandRunner.CtrlC()).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                progress.Done();
                Console.Error.WriteLine($"stopped; finished completions are in {Path.Combine(outDir, "samples.jsonl")} — run the same command to resume");
                throw;
            }
            Print(result.Metrics, result.Markdown, pr.GetValue(json));
            Console.Error.WriteLine($"{result.Generated} completions generated, {result.Reused} reused; wrote {outDir}/samples.jsonl, metrics.json, report.md{(options.Samples > 1 ? ", curves.svg" : "")}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The completion backend over a local model folder (--endpoint uses <see cref="OpenAiCompletionBackend"/>).</summary>
    private static ICompletionBackend OpenBackend(string modelDir, int threads, int batch, Sift.Engine.Model.WeightFormat weights)
    {
        var lm = LoadedModel.Open(modelDir, threads, weights: weights);
        return new LocalCompletionBackend(lm, batch, ownsModel: true);
    }

    // A served model name as a folder name ("org/model" → "org_model").
    private static string SafeName(string name) => string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) || c is '/' or '\\' or ':' ? '_' : c));

    /// <summary>The python sandbox for PAL and tool-integrated prompts (null when the prompt runs no code).</summary>
    private static PythonSandbox? OpenExecutor(PromptKind kind, double timeoutSeconds) => kind is PromptKind.Pal or PromptKind.Tool
        ? new PythonSandbox(new SandboxOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds), CpuSeconds = Math.Max(1, (int)Math.Ceiling(timeoutSeconds)) })
        : null;

    private static int Regrade(string path, DatasetDefinition def, GradeMode mode, GradeOptions grading, BadLinePolicy policy, string? outDir, bool json, int trials)
    {
        var progress = new ConsoleProgress();
        var problems = CompletionFile.Read(path, def, policy, progress.Line);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var graded = Regrader.Grade(problems, def, grading, done => progress.Report("grade", done, problems.Count, ""));
        progress.Done();
        double seconds = clock.Elapsed.TotalSeconds;
        var strictOutcomes = SampleOutcomes.Build(graded, GradeMode.Strict, grading);
        var compatOutcomes = SampleOutcomes.Build(graded, GradeMode.Compat, grading);
        var strict = EvalMetrics.Compute(strictOutcomes);
        var compat = EvalMetrics.Compute(compatOutcomes);
        var agree = Regrader.Agreement(problems, graded);
        var run = new JsonObject
        {
            ["dataset"] = def.Name,
            ["completions_file"] = path,
            ["grading_seconds"] = Math.Round(seconds, 3),
            ["answers_per_second"] = seconds > 0 ? Math.Round(2 * graded.Count / seconds) : 0,
        };
        if (agree.Compared > 0)
        {
            run["stored_verdicts"] = new JsonObject
            {
                ["compared"] = agree.Compared,
                ["compat_agree"] = agree.CompatAgree,
                ["strict_agree"] = agree.StrictAgree,
                ["stored_accuracy"] = Math.Round(100.0 * agree.StoredCorrectFirst / Math.Max(1, agree.StoredProblems), 2),
            };
        }
        var metrics = MetricsReport.Json(run, mode, strict, compat);
        string md = MetricsReport.Markdown($"{def.Name} · re-graded {Path.GetFileName(path)}", mode, strict, compat);
        if (agree.Compared > 0)
        {
            md += $"\nStored verdicts: compat agrees on {agree.CompatAgree}/{agree.Compared}, strict on {agree.StrictAgree}/{agree.Compared}.\n";
        }
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            AtomicFile.WriteAllText(Path.Combine(outDir, "samples.jsonl"), string.Concat(graded.Select(r => r.ToJson() + "\n")));
            AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), metrics.ToJsonString(EvalJson.Indented) + "\n");
            AtomicFile.WriteAllText(Path.Combine(outDir, "report.md"), md);
            if (strict.SamplesPerProblem > 1)
            {
                var curves = ScalingCurves.Compute(mode == GradeMode.Compat ? compatOutcomes : strictOutcomes, trials);
                AtomicFile.WriteAllText(Path.Combine(outDir, "curves.svg"), EvalCharts.Curves(curves, $"{def.Name} ({MetricsReport.Name(mode)})"));
            }
            Console.Error.WriteLine($"wrote {outDir}/samples.jsonl, metrics.json, report.md");
        }
        Print(metrics, md, json);
        return 0;
    }

    private static void Print(JsonObject metrics, string markdown, bool json)
    {
        if (json)
        {
            CommandRunner.WriteJson(metrics);
        }
        else
        {
            Console.WriteLine(markdown);
        }
    }

    private static int List()
    {
        string? root = SharedData.DataRoot();
        foreach (var d in DatasetRegistry.All)
        {
            string? file = root is null ? null : d.DefaultFiles.Select(f => Path.Combine(root, f)).FirstOrDefault(File.Exists);
            string names = d.Aliases.Count > 0 ? $"{d.Name} ({string.Join(", ", d.Aliases)})" : d.Name;
            Console.WriteLine($"{names,-32} {d.Description}");
            Console.WriteLine($"{"",-32} mirror: {file ?? "none"}");
            Console.WriteLine($"{"",-32} hub: {(d.Hub is { } h ? $"{h.Repo}@{h.RevisionOrMain} {string.Join(" ", h.Files)} ({(h.Pinned ? "pinned" : "unpinned")}: {h.Note})" : "none: " + d.NoHubReason)}");
        }
        return 0;
    }
}
