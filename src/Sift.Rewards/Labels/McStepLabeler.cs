using Sift.Engine.Inference;
using Sift.Grading;
using Sift.Inference;

namespace Sift.Rewards.Labels;

/// <summary>Settings of Monte-Carlo step labelling.</summary>
/// <param name="K">Completions per step prefix (Math-Shepherd: 8; RLHFlow: 16).</param>
/// <param name="MaxTokens">Most tokens per completion.</param>
/// <param name="Sampling">The completer's sampling (temperature &gt; 0, or the K completions are one).</param>
/// <param name="Seed">Base seed: completion j of step i on line L uses a seed made from (seed, L, i, j), so a resumed
/// run draws the same completions.</param>
/// <param name="Mode">How a completion's final answer is graded against the gold.</param>
/// <param name="Template">The completer's prompt: <c>{question}</c> and <c>{steps}</c> (the prefix, steps joined by a blank line).</param>
/// <param name="Stop">Strings that end a completion.</param>
/// <param name="StepJoin">Joins the steps of a prefix (and of the whole solution when it is graded): a blank line by default;
/// a model trained on one step per line (the built-in corpus) needs "\n".</param>
internal sealed record McLabelOptions(int K, int MaxTokens, SamplingOptions Sampling, ulong Seed, GradeMode Mode, string Template, IReadOnlyList<string> Stop, string StepJoin = McStepLabeler.BlankLineJoin)
{
    /// <summary>The default completer prompt: the question, a blank line, the steps so far and a blank line to start the next step.</summary>
    public const string DefaultTemplate = "{question}\n\n{steps}\n\n";
}

/// <summary>A solution's labels.</summary>
/// <param name="Hard">Per step: some completion from the prefix ending with it reached the gold answer (Math-Shepherd HE).</param>
/// <param name="Soft">Per step: the share of completions that did (SE).</param>
/// <param name="Correct">Per step: how many did.</param>
/// <param name="Completions">Per step: how many completions were drawn (0 for the last step, graded as written).</param>
internal sealed record StepLabels(bool[] Hard, double[] Soft, int[] Correct, int[] Completions);

/// <summary>
/// Math-Shepherd's automatic process labels (§2.2): for each prefix s_1..s_i of a solution, a completer draws K
/// continuations, each graded against the gold answer; hard label = any correct, soft label = the share correct.
/// The last step is the whole solution, so it is labelled by grading the solution itself (no completions).
/// </summary>
internal sealed class McStepLabeler(ICompletionBackend completer, McLabelOptions options)
{
    /// <summary>Joins steps as the completer sees them, unless the options say otherwise.</summary>
    public const string BlankLineJoin = "\n\n";

    /// <summary>The completer prompt for the first <paramref name="count"/> steps, joined with <paramref name="join"/>.</summary>
    public static string Prompt(string template, LabelProblem p, int count, string join = BlankLineJoin) =>
        template.Replace("{question}", p.Question, StringComparison.Ordinal)
            .Replace("{steps}", string.Join(join, p.Steps.Take(count)), StringComparison.Ordinal);

    /// <summary>The seed of completion <paramref name="j"/> from the prefix of <paramref name="step"/>+1 steps of line <paramref name="line"/>.</summary>
    public static ulong SeedOf(ulong seed, int line, int step, int j) => seed + (ulong)line * 1_000_003UL + (ulong)step * 1_009UL + (ulong)j;

    /// <summary>Labels every step of each problem; the completions of all of them go to the completer in one call.</summary>
    public async Task<StepLabels[]> LabelAsync(IReadOnlyList<LabelProblem> problems, CancellationToken cancel = default)
    {
        var prompts = new List<TextPrompt>();
        var owner = new List<(int Problem, int Step)>();
        for (int pi = 0; pi < problems.Count; pi++)
        {
            var p = problems[pi];
            for (int i = 0; i < p.Steps.Length - 1; i++)
            {
                string text = Prompt(options.Template, p, i + 1, options.StepJoin);
                for (int j = 0; j < options.K; j++)
                {
                    prompts.Add(new TextPrompt
                    {
                        Text = text,
                        MaxTokens = options.MaxTokens,
                        Sampling = options.Sampling,
                        Seed = SeedOf(options.Seed, p.Line, i, j),
                        Stop = options.Stop,
                        FitToContext = true,
                    });
                    owner.Add((pi, i));
                }
            }
        }
        var done = prompts.Count == 0 ? [] : await completer.CompleteAsync(prompts, null, cancel).ConfigureAwait(false);
        var correct = problems.Select(p => new int[p.Steps.Length]).ToArray();
        var drawn = problems.Select(p => new int[p.Steps.Length]).ToArray();
        for (int c = 0; c < done.Length; c++)
        {
            var (pi, i) = owner[c];
            var p = problems[pi];
            drawn[pi][i]++;
            // The completion's own final answer is graded: a completion that gives none is wrong, rather than the
            // extractor falling back on a number in the prefix (which would label a stalled completer's steps "+").
            if (Grader.GradeResponse(p.Gold, done[c].Text, options.Mode, cancellationToken: cancel).Equal)
            {
                correct[pi][i]++;
            }
        }
        var result = new StepLabels[problems.Count];
        for (int pi = 0; pi < problems.Count; pi++)
        {
            var p = problems[pi];
            int last = p.Steps.Length - 1;
            bool whole = Grader.GradeResponse(p.Gold, string.Join(options.StepJoin, p.Steps), options.Mode, cancellationToken: cancel).Equal;
            var hard = new bool[p.Steps.Length];
            var soft = new double[p.Steps.Length];
            for (int i = 0; i < last; i++)
            {
                hard[i] = correct[pi][i] > 0;
                soft[i] = drawn[pi][i] == 0 ? 0 : (double)correct[pi][i] / drawn[pi][i];
            }
            correct[pi][last] = whole ? 1 : 0;
            hard[last] = whole;
            soft[last] = whole ? 1 : 0;
            result[pi] = new StepLabels(hard, soft, correct[pi], drawn[pi]);
        }
        return result;
    }
}
