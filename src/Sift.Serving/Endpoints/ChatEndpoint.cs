using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Sift.Serving.Protocol;

namespace Sift.Serving.Endpoints;

/// <summary>POST /v1/chat/completions.</summary>
internal sealed class ChatEndpoint(ServedModelState m)
{
    public async Task HandleAsync(HttpContext ctx)
    {
        long t0 = Stopwatch.GetTimestamp();
        var cancel = ctx.RequestAborted;
        byte[] body = await HttpIo.ReadBodyAsync(ctx.Request, m.Options.MaxBodyBytes, cancel).ConfigureAwait(false);
        ChatParams p;
        using (var doc = RequestFields.Parse(body))
        {
            p = ChatParams.Read(doc.RootElement, m);
        }
        var readers = p.Sampling.Jobs(m, p.Prompt, p.MaxTokens, -1, p.Logprobs ? p.TopLogprobs : 0, wantRank: false, 0)
            .Select(j => new ChoiceReader(j, m.Tokenizer, p.Stops)).ToList();
        var jobs = readers.Select(r => r.Job).ToList();
        Submit.Jobs(m, jobs);
        using var reg = cancel.Register(() => jobs.ForEach(j => j.Cancel()));
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var lp = new LogprobJson(m.Tokenizer, false);
        if (p.Stream)
        {
            await StreamAsync(ctx, p, readers, lp, id, created, m.Name, cancel).ConfigureAwait(false);
            return;
        }
        await Task.WhenAll(readers.Select(r => r.ReadToEndAsync(cancel))).ConfigureAwait(false);
        long engineStart = jobs.Min(j => j.QueuedAt), engineEnd = jobs.Max(j => j.FinishedAt);
        ctx.Response.Headers["Server-Timing"] = Submit.Timing(t0, engineStart, engineEnd);
        await HttpIo.WriteJsonAsync(ctx.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", m.Name);
            w.WriteStartArray("choices");
            for (int c = 0; c < readers.Count; c++)
            {
                var r = readers[c];
                w.WriteStartObject();
                w.WriteNumber("index", c);
                w.WriteStartObject("message");
                w.WriteString("role", "assistant");
                w.WriteString("content", r.Text);
                w.WriteEndObject();
                if (p.Logprobs)
                {
                    lp.WriteChat(w, r.Tokens, 0, r.Tokens.Count, p.TopLogprobs);
                }
                else
                {
                    w.WriteNull("logprobs");
                }
                w.WriteString("finish_reason", r.Finish);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteUsage(w, p, readers);
            w.WriteEndObject();
        }, cancel).ConfigureAwait(false);
        m.Metrics.Overhead(ServerMetrics.Seconds(t0, Stopwatch.GetTimestamp()) - ServerMetrics.Seconds(engineStart, engineEnd));
    }

    private static void WriteUsage(Utf8JsonWriter w, ChatParams p, List<ChoiceReader> readers)
    {
        int completion = readers.Sum(r => r.Tokens.Count);
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", p.Prompt.Length);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", p.Prompt.Length + completion);
        w.WriteEndObject();
    }

    private static Task StreamAsync(HttpContext ctx, ChatParams p, List<ChoiceReader> readers, LogprobJson lp, string id, long created, string model, CancellationToken cancel)
    {
        var stream = new EventStream(id, "chat.completion.chunk", created, model);
        byte[] Chunk(int index, bool role, string? text, Action<Utf8JsonWriter>? logprobs, string? finish) => stream.Chunk(index, w =>
        {
            w.WriteStartObject("delta");
            if (role)
            {
                w.WriteString("role", "assistant");
            }
            if (text is not null)
            {
                w.WriteString("content", text);
            }
            w.WriteEndObject();
        }, logprobs, finish);
        async Task Pump(int c, ChannelWriter<byte[]> frames)
        {
            var r = readers[c];
            await frames.WriteAsync(Chunk(c, true, "", null, null), cancel).ConfigureAwait(false);
            await foreach (var d in r.ReadAsync(cancel).ConfigureAwait(false))
            {
                if (d.Text.Length == 0 && d.TokenCount == 0 && d.Finish is null)
                {
                    continue;
                }
                Action<Utf8JsonWriter>? logprobs = p.Logprobs && d.TokenCount > 0 ? w => lp.WriteChat(w, r.Tokens, d.TokenStart, d.TokenCount, p.TopLogprobs) : null;
                if (d.Text.Length > 0 || d.TokenCount > 0)
                {
                    await frames.WriteAsync(Chunk(c, false, d.Text, logprobs, null), cancel).ConfigureAwait(false);
                }
                if (d.Finish is not null)
                {
                    await frames.WriteAsync(Chunk(c, false, null, null, d.Finish), cancel).ConfigureAwait(false);
                }
            }
        }
        return stream.RunAsync(ctx, readers.Count, Pump, p.IncludeUsage ? w => WriteUsage(w, p, readers) : null, cancel);
    }
}
