using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Sift.Serving.Endpoints;

/// <summary>
/// The streamed (SSE) response both generation endpoints share: OpenAI chunk envelopes, one pump per choice
/// writing into a single frame channel (frames go out in the order they are produced), then the usage chunk
/// when asked for and the closing <c>[DONE]</c>.
/// </summary>
internal sealed class EventStream(string id, string objectName, long created, string model)
{
    /// <summary>{"id", "object", "created", "model", "choices": [{"index", ...body, "logprobs", "finish_reason"}]}.</summary>
    public byte[] Chunk(int index, Action<Utf8JsonWriter> body, Action<Utf8JsonWriter>? logprobs, string? finish) => HttpIo.Event(w =>
    {
        WriteHeader(w);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        body(w);
        if (logprobs is null)
        {
            w.WriteNull("logprobs");
        }
        else
        {
            logprobs(w);
        }
        if (finish is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finish);
        }
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Streams the response: <paramref name="pump"/>(choice, frames) writes each choice's chunks.</summary>
    public async Task RunAsync(HttpContext ctx, int choices, Func<int, ChannelWriter<byte[]>, Task> pump, Action<Utf8JsonWriter>? usage, CancellationToken cancel)
    {
        HttpIo.StartEvents(ctx.Response);
        await ctx.Response.StartAsync(cancel).ConfigureAwait(false);
        var frames = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = Task.WhenAll(Enumerable.Range(0, choices).Select(c => pump(c, frames.Writer)));
        _ = pumps.ContinueWith(t => frames.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
        await Submit.WriteFramesAsync(ctx, frames.Reader, cancel).ConfigureAwait(false);
        if (usage is not null)
        {
            await ctx.Response.Body.WriteAsync(HttpIo.Event(w =>
            {
                WriteHeader(w);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                usage(w);
                w.WriteEndObject();
            }), cancel).ConfigureAwait(false);
        }
        await ctx.Response.Body.WriteAsync(HttpIo.Done, cancel).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(cancel).ConfigureAwait(false);
    }

    private void WriteHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", objectName);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }
}
