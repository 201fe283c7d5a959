using System.Text.RegularExpressions;
using Sift.Inference;

namespace Sift.Rewards.Tests.Labels;

/// <summary>
/// A completer whose continuations follow a rule, so the expected labels can be counted by hand: it reads the last
/// step "a+b=c" of the prompt and finishes the sum with c as the running total; completion j (by its seed) slips and
/// adds one when seed % 4 == 0. A prefix with a wrong step therefore never reaches the gold, a right one reaches it
/// in 3 of every 4 seeds. A silent one gives no answer at all.
/// </summary>
internal sealed partial class RuleCompleter(int addend, bool silent = false) : ICompletionBackend
{
    public List<TextPrompt> Seen { get; } = [];

    public string Name => "rule";

    public Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        Seen.AddRange(prompts);
        var result = prompts.Select((p, i) =>
        {
            var last = StepPattern().Matches(p.Text!).Last();
            int total = int.Parse(last.Groups[3].Value) + addend + (p.Seed % 4 == 0 ? 1 : 0);
            var c = silent ? new TextCompletion("and so on.", [], [], "stop", 0) : new TextCompletion($"{last.Groups[3].Value}+{addend}={total}\n\nThe answer is \\boxed{{{total}}}.", [], [], "stop", 0);
            onDone?.Invoke(i, c);
            return c;
        }).ToArray();
        return Task.FromResult(result);
    }

    public void Dispose()
    {
    }

    [GeneratedRegex(@"(\d+)\+(\d+)=(\d+)")]
    private static partial Regex StepPattern();
}
