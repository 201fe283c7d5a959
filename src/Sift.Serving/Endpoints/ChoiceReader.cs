using System.Runtime.CompilerServices;
using Sift.Serving.Engine;
using Sift.Serving.Protocol;
using Sift.Serving.Text;
using Sift.Text;

namespace Sift.Serving.Endpoints;

/// <summary>A piece of one choice: new text, the tokens it came with, and the finish reason on the last piece.</summary>
internal readonly record struct ChoiceDelta(string Text, int TokenStart, int TokenCount, string? Finish);

/// <summary>
/// Reads one engine job's events into a choice: tokens with logprobs, text through the <see cref="TextAssembler"/>
/// (stop strings end the job early), and the finish reason. Streaming handlers forward each delta; non-streaming
/// ones read to the end. Both therefore produce the same text and tokens.
/// </summary>
internal sealed class ChoiceReader(EngineJob job, ITokenizer? tokenizer, IReadOnlyList<string> stops)
{
    private readonly TextAssembler _text = new(tokenizer, stops);

    public EngineJob Job => job;

    /// <summary>Generated tokens kept (up to and including the one that completed a stop string).</summary>
    public List<EngineEvent> Tokens { get; } = [];

    public string Text => _text.Text;

    public string? Finish { get; private set; }

    public async IAsyncEnumerable<ChoiceDelta> ReadAsync([EnumeratorCancellation] CancellationToken cancel)
    {
        await foreach (var ev in job.Events.ReadAllAsync(cancel).ConfigureAwait(false))
        {
            if (ev.Finish is { } reason)
            {
                if (reason == "error")
                {
                    throw new ApiException(500, "the engine failed on this request (see the server log)", type: "server_error");
                }
                if (reason == "cancelled")
                {
                    throw new OperationCanceledException("the request was cancelled");
                }
                string tail = _text.Finish();
                Finish = reason;
                yield return new ChoiceDelta(tail, Tokens.Count, 0, reason);
                yield break;
            }
            Tokens.Add(ev);
            string piece = _text.Push(ev.Token);
            if (_text.Stopped)
            {
                // Free the engine slot now; tokens it makes before it notices are dropped.
                job.Cancel();
                Finish = "stop";
                yield return new ChoiceDelta(piece, Tokens.Count - 1, 1, "stop");
                yield break;
            }
            yield return new ChoiceDelta(piece, Tokens.Count - 1, 1, null);
        }
        throw new OperationCanceledException("the engine stopped before the request finished");
    }

    public async Task ReadToEndAsync(CancellationToken cancel)
    {
        await foreach (var _ in ReadAsync(cancel).ConfigureAwait(false))
        {
        }
    }
}
