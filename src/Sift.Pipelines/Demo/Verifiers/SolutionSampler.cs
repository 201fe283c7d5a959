using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Engine.Inference;
using Sift.Grading;
using Sift.Inference;
using Sift.Pipelines.Training;

namespace Sift.Pipelines.Demo.Verifiers;

/// <summary>
/// Draws N solutions per problem from the solver, batched through the generator (the samples of one question share its
/// prefill), and grades each against the gold answer. The prompt is the question and a line break, exactly as the
/// solver's training documents and the demo's greedy evaluation lay problems out.
/// </summary>
internal sealed class SolutionSampler(LoadedModel solver, int batch, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>The solver's prompt for a question.</summary>
    public static string Prompt(string question) => question + "\n";

    /// <summary>The seed of sample <paramref name="j"/> of problem <paramref name="i"/> (distinct per seed, problem and sample).</summary>
    public static ulong SeedOf(ulong seed, int i, int j) => seed * 1_000_000_007UL + (ulong)i * 1_009UL + (ulong)j;

    /// <summary><paramref name="n"/> graded samples of each problem, problem by problem, in sample order.</summary>
    public List<SolutionSample> Draw(IReadOnlyList<HeldOutProblem> problems, int n, float temperature, int maxTokens, ulong seed, string what, CancellationToken cancel = default)
    {
        var prompts = new List<TextPrompt>(problems.Count * n);
        for (int i = 0; i < problems.Count; i++)
        {
            for (int j = 0; j < n; j++)
            {
                prompts.Add(new TextPrompt
                {
                    Text = Prompt(problems[i].Question),
                    MaxTokens = maxTokens,
                    Sampling = new SamplingOptions { Temperature = temperature },
                    Seed = SeedOf(seed, i, j),
                    FitToContext = true,
                });
            }
        }
        int done = 0;
        var gen = new TextGenerator(solver, batch);
        var completions = gen.Complete(prompts, (_, _) => _progress.Report(what, Interlocked.Increment(ref done), prompts.Count, ""), cancel);
        _progress.Done();
        var samples = new List<SolutionSample>(prompts.Count);
        for (int k = 0; k < completions.Length; k++)
        {
            int i = k / n, j = k % n;
            string text = AnswerLine(completions[k].Text);
            var g = Grader.GradeResponse(problems[i].Answer, text, GradeMode.Strict, cancellationToken: cancel);
            samples.Add(new SolutionSample
            {
                Problem = i,
                Sample = j,
                Question = problems[i].Question,
                Gold = problems[i].Answer,
                Completion = text,
                Prediction = g.NormalizedPrediction,
                Correct = g.Equal,
            });
        }
        return samples;
    }

    /// <summary>The solution up to the end of its first "####" line (a solver that goes on past its answer is cut there).</summary>
    public static string AnswerLine(string completion)
    {
        int h = completion.IndexOf("####", StringComparison.Ordinal);
        if (h < 0)
        {
            return completion.TrimEnd();
        }
        int nl = completion.IndexOf('\n', h);
        return (nl < 0 ? completion : completion[..nl]).TrimEnd();
    }

    /// <summary>Writes samples as JSONL (atomically).</summary>
    public static void Write(string path, IEnumerable<SolutionSample> samples) =>
        AtomicFile.WriteAllText(path, string.Concat(samples.Select(s => System.Text.Json.JsonSerializer.Serialize(s, VerifierJson.Default.SolutionSample) + "\n")));

    /// <summary>Reads a samples file written by <see cref="Write"/>; errors name the line.</summary>
    public static List<SolutionSample> Read(string path) => JsonlRecords.Read(path, VerifierJson.Default.SolutionSample);
}
