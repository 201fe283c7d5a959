using System.CommandLine;
using System.Text.Json;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Curation.Decontamination;
using Sift.Curation.Mutation;
using Sift.Eval.Datasets;
using Sift.Sandbox;

namespace Sift.Cli.Commands;

/// <summary>`sift synth ...`: new training problems made from existing ones.</summary>
public static class SynthCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create() => new("synth", "Make new training problems from existing ones: chat agents (Orca-Math), augmentation (InternLM2-Math), symbolic mutation (Alchemy).")
    {
        SynthAgentsCommand.Agents(), SynthAgentsCommand.Augment(), Mutate(),
    };

    private static Command Mutate()
    {
        var d = new MutationOptions();
        var input = new Option<string>("--input", "-i") { Description = "JSONL of problems whose solution is a PAL program defining solution()", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "JSONL of accepted mutated problems (appended; OUT.state.jsonl beside it makes reruns resume)", Required = true };
        var perItem = new Option<int>("--per-item", "-k") { Description = "Accepted mutations wanted per source problem", DefaultValueFactory = _ => d.PerItem };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the new numbers", DefaultValueFactory = _ => d.Seed };
        var questionField = new Option<string>("--question-field") { Description = "Field with the question (gsm_hard: input)", DefaultValueFactory = _ => d.QuestionField };
        var programField = new Option<string>("--program-field") { Description = "Field with the program (gsm_hard: code; a ```python block in it is taken out)", DefaultValueFactory = _ => d.ProgramField };
        var idField = new Option<string?>("--id-field") { Description = "Field with the problem's id (default: idx or id when present, else the line number)" };
        var attempts = new Option<int>("--max-attempts") { Description = "Mutations tried per source problem (0: 8 × --per-item)", DefaultValueFactory = _ => 0 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N source problems" };
        var threads = new Option<int>("--threads") { Description = "Source problems worked on at once", DefaultValueFactory = _ => d.Threads };
        var execTimeout = new Option<double>("--exec-timeout") { Description = "Wall-clock seconds per program run (a longer run is rejected as timeout)", DefaultValueFactory = _ => 5.0 };
        var badLines = new Option<string>("--bad-lines") { Description = "Malformed input lines: abort (default) or skip (reported with file:line and counted)", DefaultValueFactory = _ => "abort" };
        badLines.AcceptOnlyFromAmong("abort", "skip");
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var cmd = new Command("mutate", """
            Alchemy-style symbolic mutation: numbers that a question states and its program uses as literals get new
            values in both; the mutated program runs in the python sandbox and its solution() is the new answer.
            Mutations that error, divide by zero, time out, return a non-number, turn a whole-number answer into a
            fraction or a non-negative one negative, or leave the answer unchanged are rejected and counted by reason;
            duplicate questions are dropped. Each output line has its provenance (source id, numbers changed, seed).
            Rerunning the same command resumes: finished source problems are skipped.
              sift synth mutate -i gsm_hard.jsonl -o mutated.jsonl --question-field input --program-field code --per-item 3
            """)
        {
            input, output, perItem, seed, questionField, programField, idField, attempts, limit, threads, execTimeout, badLines, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            var options = new MutationOptions
            {
                QuestionField = pr.GetValue(questionField)!,
                ProgramField = pr.GetValue(programField)!,
                IdField = pr.GetValue(idField),
                PerItem = pr.GetValue(perItem),
                MaxAttempts = pr.GetValue(attempts),
                Seed = pr.GetValue(seed),
                Threads = pr.GetValue(threads),
                Limit = pr.GetValue(limit),
                BadLines = pr.GetValue(badLines) == "skip" ? BadLinePolicy.Skip : BadLinePolicy.Abort,
            };
            options.Validate();
            double timeout = pr.GetValue(execTimeout);
            if (!(timeout > 0))
            {
                throw new SiftException($"--exec-timeout: expected seconds above 0, got {timeout}");
            }
            bool asJson = pr.GetValue(json);
            var console = asJson ? null : new ConsoleProgress();
            using var sandbox = new PythonSandbox(new SandboxOptions
            {
                Timeout = TimeSpan.FromSeconds(timeout),
                CpuSeconds = Math.Max(1, (int)Math.Ceiling(timeout)),
                MaxConcurrency = options.Threads,
            });
            var probe = sandbox.RunAsync("print(1)").GetAwaiter().GetResult();
            if (probe.Outcome == CodeOutcome.StartFailed)
            {
                throw new SiftException($"the python sandbox cannot start: {probe.Note ?? probe.Stderr.Trim()}");
            }
            var s = SymbolicMutation.RunAsync(pr.GetRequiredValue(input), pr.GetRequiredValue(output), options, sandbox, console, CommandRunner.CtrlC())
                .GetAwaiter().GetResult();
            console?.Done();
            if (asJson)
            {
                CommandRunner.WriteJson(JsonSerializer.SerializeToNode(s, ReportWriter.Json)!);
                return 0;
            }
            Console.WriteLine($"{s.Processed:N0} source problems mutated ({s.AlreadyDone:N0} already done), {s.Accepted:N0} accepted -> {s.Output}");
            Console.WriteLine("rejected: " + string.Join(", ", s.Rejected.Select(kv => $"{kv.Key} {kv.Value}")));
            Console.WriteLine("sources with nothing to try: " + string.Join(", ", s.SkippedSources.Select(kv => $"{kv.Key} {kv.Value}")) +
                $"; with fewer than {options.PerItem} accepted: {s.ShortSources}");
            Console.WriteLine($"all runs: {s.TotalAccepted:N0} accepted; {s.Seconds}s");
            return 0;
        }));
        return cmd;
    }
}
