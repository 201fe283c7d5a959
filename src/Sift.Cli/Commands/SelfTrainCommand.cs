using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core.Reporting;
using Sift.Pipelines.SelfTrain;

namespace Sift.Cli.Commands;

/// <summary>`sift selftrain`: the self-improvement loop (Orca-Math iterations with DPO or KTO, or SAFE-style rounds).</summary>
public static class SelfTrainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to start from (config.json + safetensors + tokenizer.json)", Required = true };
        var problems = new Option<string>("--problems", "-p") { Description = "Problems JSONL: question (or problem), answer (gold final answer, or a GSM8K-style solution ending in #### x) and/or solution (teacher solution)", Required = true };
        var rule = new Option<string>("--rule") { Description = "dpo or kto (Orca-Math: positives = correct samples + teacher solution, negatives = wrong samples), safe (SFT on verified samples + repair examples)", DefaultValueFactory = _ => "kto" };
        rule.AcceptOnlyFromAmong("dpo", "kto", "safe");
        var verify = new Option<string>("--verify") { Description = "grader (the completion's final answer against the gold one) or program (its python block runs in the sandbox, PAL-style: str(solution()) is graded, an error is the feedback)", DefaultValueFactory = _ => "grader" };
        verify.AcceptOnlyFromAmong("grader", "program");
        var execTimeout = new Option<double>("--exec-timeout") { Description = "--verify program: seconds per program", DefaultValueFactory = _ => 10 };
        var iterations = new Option<int>("--iterations", "-k") { Description = "Iterations (a rerun with more continues after the finished ones)", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples", "-n") { Description = "Samples per problem (Orca-Math: 4)", DefaultValueFactory = _ => 4 };
        var topP = new Option<float>("--top-p") { Description = "Nucleus mass (Orca-Math: 0.95)", DefaultValueFactory = _ => 0.95f };
        var temperature = new Option<float>("--temperature", "-t") { Description = "Sampling temperature (Orca-Math: 0.7)", DefaultValueFactory = _ => 0.7f };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most new tokens per sample", DefaultValueFactory = _ => 256 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of sampling (per iteration, problem and sample) and training", DefaultValueFactory = _ => 1UL };
        var maxPairs = new Option<int>("--max-pairs") { Description = "dpo: most pairs per problem, taken in (i + j, i) order over positives i and negatives j (0 = all, as the paper)", DefaultValueFactory = _ => 0 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over each iteration's examples when train.max_steps is not set", DefaultValueFactory = _ => 1 };
        var template = new Option<string>("--prompt-template") { Description = "The prompt; {question} is replaced (default: the question and a newline, Sift's synthetic layout)", DefaultValueFactory = _ => "{question}\n" };
        var eval = new Option<string?>("--eval") { Description = "Held-out problems JSONL (same fields), judged greedily before the loop and after each iteration" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json or its folder (default: the model folder's)" };
        var set = new Option<string[]>("--set") { Description = "Training recipe override, e.g. --set optim.lr=5e-5 --set train.max_steps=20 (`sift train --list-keys`)", AllowMultipleArgumentsPerToken = false };
        var threads = new Option<int>("--threads") { Description = "Compute threads", DefaultValueFactory = _ => Math.Min(2, Environment.ProcessorCount) };
        var batch = new Option<int>("--batch") { Description = "Sequences decoded together", DefaultValueFactory = _ => 16 };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: iter-K/{samples.jsonl, examples.jsonl, examples/, model/, metrics.json}, summary.json; running again resumes it", Required = true };
        var json = new Option<bool>("--json") { Description = "Print summary.json on stdout" };
        var cmd = new Command("selftrain", """
            Self-improvement loop on problems with gold answers.
            Each iteration samples --samples solutions per problem from the current model (top-p, temperature),
            verifies them (--verify: against the gold answer, or by running the program in the sandbox),
            builds training data by --rule and trains the model on it:
              dpo   Orca-Math: positives = correct samples + the teacher solution (when the file has one),
                    negatives = wrong samples; every positive x negative pair (cap: --max-pairs)
              kto   Orca-Math: every positive and negative solution with its label
              safe  SFT on verified samples, plus repair examples: problem + failed attempt + verifier
                    feedback -> a verified solution (a correct sample, else the teacher solution)
            A problem whose samples are all right gives no DPO pair (no negative); KTO keeps its positives.
            Iteration folders keep their samples, examples, model and metrics; a rerun skips finished
            iterations and continues a killed one without duplicating samples.
            Training defaults: one epoch, train.micro_batch 8, optim.lr 1e-5 constant; change any with --set.
            """)
        {
            model, problems, rule, verify, execTimeout, iterations, samples, topP, temperature, maxTokens, seed, maxPairs, epochs, template, eval, tokenizer, set, threads, batch, output, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var options = new SelfTrainOptions
            {
                Model = pr.GetValue(model)!,
                Problems = pr.GetValue(problems)!,
                Tokenizer = pr.GetValue(tokenizer),
                Rule = SelfTrainRules.Parse(pr.GetValue(rule)!),
                Verifier = pr.GetValue(verify) == "program" ? SelfTrainVerifier.Program : SelfTrainVerifier.Grader,
                ExecTimeoutSeconds = pr.GetValue(execTimeout),
                Iterations = pr.GetValue(iterations),
                SamplesPerProblem = pr.GetValue(samples),
                TopP = pr.GetValue(topP),
                Temperature = pr.GetValue(temperature),
                MaxTokens = pr.GetValue(maxTokens),
                Seed = pr.GetValue(seed),
                MaxPairsPerProblem = pr.GetValue(maxPairs),
                Epochs = pr.GetValue(epochs),
                PromptTemplate = pr.GetValue(template)!.Replace("\\n", "\n", StringComparison.Ordinal),
                HeldOut = pr.GetValue(eval),
                TrainOverrides = pr.GetValue(set) ?? [],
                Threads = pr.GetValue(threads),
                Batch = pr.GetValue(batch),
            };
            bool asJson = pr.GetValue(json);
            IProgressReporter progress = asJson ? NullProgress.Instance : new ConsoleProgress();
            string outDir = pr.GetValue(output)!;
            var loop = new SelfTrainLoop(options);
            var done = loop.Run(outDir, progress, CommandRunner.CtrlC());
            string summaryPath = Path.Combine(outDir, "summary.json");
            if (asJson)
            {
                CommandRunner.WriteJson(JsonNode.Parse(File.ReadAllText(summaryPath))!);
                return 0;
            }
            Console.WriteLine($"final model: {done[^1].Checkpoint}");
            Console.WriteLine($"summary: {Path.GetFullPath(summaryPath)}");
            return 0;
        }));
        return cmd;
    }
}
