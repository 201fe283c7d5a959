using Sift.Inference;

namespace Sift.Pipelines.Tests.Evaluation;

/// <summary>
/// A backend whose completions are a function of the prompt and seed, with the stop-string handling real backends
/// have; it can cancel itself after a number of completions to simulate a kill.
/// </summary>
internal sealed class ScriptedBackend(Func<TextPrompt, string> respond) : ICompletionBackend
{
    public string Name => "scripted";

    public List<TextPrompt> Requests { get; } = [];

    public int? CancelAfter { get; set; }

    public CancellationTokenSource Kill { get; } = new();

    public Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Kill.Token);
        var results = new TextCompletion[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
        {
            linked.Token.ThrowIfCancellationRequested();
            var p = prompts[i];
            Requests.Add(p);
            string text = respond(p);
            foreach (string s in p.Stop)
            {
                int at = text.IndexOf(s, StringComparison.Ordinal);
                if (at >= 0)
                {
                    text = text[..at];
                }
            }
            results[i] = new TextCompletion(text, new int[text.Length], new float[text.Length], "stop", p.Text!.Length);
            onDone?.Invoke(i, results[i]);
            if (CancelAfter is int k && Requests.Count >= k)
            {
                Kill.Cancel();
            }
        }
        return Task.FromResult(results);
    }

    public void Dispose() => Kill.Dispose();
}
