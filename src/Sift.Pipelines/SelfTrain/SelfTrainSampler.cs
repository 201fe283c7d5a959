using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Engine.Inference;
using Sift.Eval.Grading;
using Sift.Eval.Programs;
using Sift.Inference;
using Sift.Pipelines.Evaluation;
using Sift.Sandbox;

namespace Sift.Pipelines.SelfTrain;

/// <summary>What to sample: per problem, <see cref="Samples"/> completions with these settings and seeds from <see cref="Seed"/>.</summary>
/// <param name="Samples">Completions per problem.</param>
/// <param name="Temperature">Temperature (0 = greedy).</param>
/// <param name="TopP">Nucleus mass.</param>
/// <param name="MaxTokens">Most new tokens per completion.</param>
/// <param name="Seed">Seed of this file's samples (the loop derives one per iteration).</param>
/// <param name="PromptTemplate">The prompt, with {question} replaced.</param>
/// <param name="Chunk">Prompts handed to the backend per call (cancellation and progress act between calls).</param>
internal sealed record SampleSettings(int Samples, float Temperature, float TopP, int MaxTokens, ulong Seed, string PromptTemplate, int Chunk = 64);

/// <summary>
/// Samples and grades completions of every problem into a JSONL file that a rerun continues. Line k is sample
/// k mod n of problem k / n, written in that order (<see cref="ResumableJsonl"/> holds lines that finish early), so a
/// killed run keeps every complete line, redoes only the rest, and ends with the same file as an uninterrupted run:
/// each completion's seed depends only on (seed, problem, sample), never on batching.
/// With a code executor the verifier is the sandbox (PAL's convention): the completion's python block (or the whole
/// completion) runs, <c>str(solution())</c> is the answer, and a failed program's last traceback line is the feedback.
/// </summary>
internal static class SelfTrainSampler
{
    /// <summary>The prompt of a question.</summary>
    public static string Prompt(string template, string question) => template.Replace("{question}", question, StringComparison.Ordinal);

    /// <summary>Samples (or finishes sampling) <paramref name="path"/>; returns every sample in file order.</summary>
    public static List<SelfTrainSample> Run(IReadOnlyList<SelfTrainProblem> problems, ICompletionBackend backend, string path, SampleSettings s,
        IProgressReporter progress, string task, CancellationToken cancel, ICodeExecutor? executor = null)
    {
        var grader = new SampleGrader(multipleChoice: false);
        var sampling = new SamplingOptions { Temperature = s.Temperature, TopP = s.TopP };
        long total = (long)problems.Count * s.Samples;
        using var file = ResumableJsonl.Open(path, progress.Line);
        var all = new SelfTrainSample?[total];
        for (int k = 0; k < file.Existing.Count; k++)
        {
            var r = ParseLine(file.Existing[k], $"{path}:{k + 1}");
            if (k >= total || r.Problem != k / s.Samples || r.Sample != k % s.Samples)
            {
                throw new SiftException($"{path}:{k + 1}: holds problem {r.Problem} sample {r.Sample}, expected problem {k / s.Samples} sample {k % s.Samples}; " +
                    "the file belongs to another problems file or --samples; remove it to sample again");
            }
            all[k] = r;
        }
        long done = file.Written;
        if (done > 0 && done < total)
        {
            progress.Line($"{path}: resuming, {done} of {total} samples already there");
        }
        var pending = Enumerable.Range((int)done, (int)(total - done)).ToList();
        int correct = all.Count(r => r?.Correct == true);
        foreach (var chunk in pending.Chunk(Math.Max(1, s.Chunk)))
        {
            cancel.ThrowIfCancellationRequested();
            var prompts = chunk.Select(k =>
            {
                var p = problems[k / s.Samples];
                return new TextPrompt
                {
                    Text = Prompt(s.PromptTemplate, p.Question),
                    MaxTokens = s.MaxTokens,
                    Sampling = sampling,
                    Seed = EvalRun.SeedFor(s.Seed, p.Index, k % s.Samples, 0),
                    FitToContext = true,
                };
            }).ToList();
            var runs = new List<Task>();
            void Finish(int i, TextCompletion c, ProgramReport? program)
            {
                int k = chunk[i];
                var p = problems[k / s.Samples];
                var v = grader.Strict(p.Gold, c.Text, program?.Result, cancel);
                var r = new SelfTrainSample
                {
                    Problem = p.Index,
                    Id = p.Id,
                    Sample = k % s.Samples,
                    Seed = prompts[i].Seed,
                    Completion = c.Text,
                    ProgramResult = program?.Result,
                    Answer = v.Answer,
                    Correct = v.Correct,
                    Feedback = v.Correct ? null : Feedback(v, c.FinishReason, program),
                    FinishReason = c.FinishReason,
                    Tokens = c.Tokens.Length,
                };
                all[k] = r;
                file.Put(k, JsonSerializer.Serialize(r, SelfTrainJson.Default.SelfTrainSample));
                int ok = v.Correct ? Interlocked.Increment(ref correct) : Volatile.Read(ref correct);
                long n = Interlocked.Increment(ref done);
                progress.Report(task, n, total, $"{100.0 * ok / n:0.0}% correct");
            }
            try
            {
                backend.CompleteAsync(prompts, (i, c) =>
                {
                    if (executor is null)
                    {
                        Finish(i, c, null);
                        return;
                    }
                    // Programs run beside generation; the chunk waits for them below.
                    string output = c.Text.TrimEnd();
                    string program = output.Contains("```python", StringComparison.Ordinal) ? ProgramText.ExtractProgram(output) : output;
                    lock (runs)
                    {
                        runs.Add(Task.Run(async () => Finish(i, c, await HarnessExecution.RunSolutionAsync(executor, program, cancel).ConfigureAwait(false)), cancel));
                    }
                }, cancel).GetAwaiter().GetResult();
            }
            finally
            {
                Task[] started;
                lock (runs)
                {
                    started = [.. runs];
                }
                try
                {
                    Task.WhenAll(started).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    // Programs cut off by cancellation are in-flight work, redone on resume.
                }
            }
        }
        progress.Done();
        return [.. all.Select(r => r!)];
    }

    /// <summary>The verifier's words on a wrong sample, as a repair prompt quotes them.</summary>
    public static string Feedback(Verdict v, string finishReason, ProgramReport? program = null)
    {
        string verdict = program is { Result.Length: 0 } ? $"The program failed: {program.Report}"
            : program is not null ? $"The program's answer {v.Answer} is incorrect."
            : v.Answer.Length == 0 ? "No final answer was found." : $"The final answer {v.Answer} is incorrect.";
        return finishReason == "length" ? verdict + " The solution was cut off at the length limit." : verdict;
    }

    /// <summary>Reads a samples file written by <see cref="Run"/>.</summary>
    public static List<SelfTrainSample> ReadAll(string path)
    {
        var list = new List<SelfTrainSample>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length > 0)
            {
                list.Add(ParseLine(text, $"{path}:{line}"));
            }
        }
        return list;
    }

    private static SelfTrainSample ParseLine(string text, string where)
    {
        try
        {
            return JsonSerializer.Deserialize(text, SelfTrainJson.Default.SelfTrainSample) ?? throw new SiftException($"{where}: expected a sample object, got null");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{where}: not a sample line ({ex.Message})", ex);
        }
    }
}
