namespace Sift.Inference;

/// <summary>
/// A source of completions for evaluation, generation and (later) synthesis: the local engine
/// (<see cref="LocalCompletionBackend"/>) or an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp, `sift serve`).
/// Callers never know which one they talk to.
/// </summary>
public interface ICompletionBackend : IDisposable
{
    /// <summary>What produced the completions (a model folder, or "served-model@endpoint"); recorded in sample files.</summary>
    string Name { get; }

    /// <summary>
    /// Completes every prompt; results are in prompt order. Each prompt carries its own seed, so n samples of one
    /// problem are n prompts with seeds s, s+1, ... Implementations batch and parallelise as they see fit;
    /// <paramref name="onDone"/> is called (from any thread) as each completion finishes, so callers can persist it.
    /// </summary>
    Task<TextCompletion[]> CompleteAsync(IReadOnlyList<TextPrompt> prompts, Action<int, TextCompletion>? onDone = null, CancellationToken cancel = default);
}
