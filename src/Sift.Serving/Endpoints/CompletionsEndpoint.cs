using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Sift.Serving.Engine;
using Sift.Serving.Protocol;
using Sift.Serving.Text;

namespace Sift.Serving.Endpoints;

/// <summary>POST /v1/completions.</summary>
internal sealed class CompletionsEndpoint(ServedModelState m)
{
    public async Task HandleAsync(HttpContext ctx)
    {
        long t0 = Stopwatch.GetTimestamp();
        var cancel = ctx.RequestAborted;
        byte[] body = await HttpIo.ReadBodyAsync(ctx.Request, m.Options.MaxBodyBytes, cancel).ConfigureAwait(false);
        CompletionParams p;
        using (var doc = RequestFields.Parse(body))
        {
            p = CompletionParams.Read(doc.RootElement, m);
        }
        // Prompt scores are computed when asked for directly, or for echo with logprobs (vLLM: prompt_logprobs = logprobs).
        int promptLp = Math.Max(p.PromptLogprobs ?? -1, p.Echo && p.Logprobs is int k ? k : -1);
        var readers = new List<ChoiceReader>();
        var promptOf = new List<PromptIn>();
        for (int i = 0; i < p.Prompts.Count; i++)
        {
            foreach (var job in p.Sampling.Jobs(m, p.Prompts[i].Ids, p.MaxTokens, promptLp, p.Logprobs ?? 0, wantRank: false, (ulong)i * (ulong)p.Sampling.N))
            {
                readers.Add(new ChoiceReader(job, m.Tokenizer, p.Sampling.Stops));
                promptOf.Add(p.Prompts[i]);
            }
        }
        var jobs = readers.Select(r => r.Job).ToList();
        Submit.Jobs(m, jobs);
        using var reg = cancel.Register(() => jobs.ForEach(j => j.Cancel()));
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var lp = new LogprobJson(m.Tokenizer, p.TokensAsIds || m.Tokenizer is null);
        if (p.Stream)
        {
            await StreamAsync(ctx, p, readers, promptOf, lp, id, created, cancel).ConfigureAwait(false);
            return;
        }
        await Task.WhenAll(readers.Select(r => r.ReadToEndAsync(cancel))).ConfigureAwait(false);
        long engineStart = jobs.Min(j => j.QueuedAt), engineEnd = jobs.Max(j => j.FinishedAt);
        ctx.Response.Headers["Server-Timing"] = Submit.Timing(t0, engineStart, engineEnd);
        await HttpIo.WriteJsonAsync(ctx.Response, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("object", "text_completion");
            w.WriteNumber("created", created);
            w.WriteString("model", m.Name);
            w.WriteStartArray("choices");
            for (int c = 0; c < readers.Count; c++)
            {
                var r = readers[c];
                var prompt = promptOf[c];
                w.WriteStartObject();
                w.WriteNumber("index", c);
                w.WriteString("text", p.Echo ? EchoText(prompt) + r.Text : r.Text);
                if (p.Logprobs is not null)
                {
                    lp.WriteLegacy(w, p.Echo ? prompt.Ids : null, r.Job.PromptScores, r.Tokens, 0, r.Tokens.Count, 0, withTop: p.Logprobs > 0);
                }
                else
                {
                    w.WriteNull("logprobs");
                }
                w.WriteString("finish_reason", r.Finish);
                if (r.Job.PromptScores is { } ps)
                {
                    lp.WritePromptLogprobs(w, prompt.Ids, ps);
                }
                if (p.ReturnTokenIds)
                {
                    WriteIds(w, "prompt_token_ids", prompt.Ids);
                    WriteIds(w, "token_ids", r.Tokens.Select(t => t.Token));
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteUsage(w, p, readers);
            w.WriteEndObject();
        }, cancel).ConfigureAwait(false);
        m.Metrics.Overhead(ServerMetrics.Seconds(t0, Stopwatch.GetTimestamp()) - ServerMetrics.Seconds(engineStart, engineEnd));
    }

    private string EchoText(PromptIn prompt) => prompt.Text ?? (m.Tokenizer is { } tok ? TokenText.Decode(tok, prompt.Ids) : "");

    private static void WriteIds(Utf8JsonWriter w, string name, IEnumerable<int> ids)
    {
        w.WriteStartArray(name);
        foreach (int i in ids)
        {
            w.WriteNumberValue(i);
        }
        w.WriteEndArray();
    }

    private static void WriteUsage(Utf8JsonWriter w, CompletionParams p, List<ChoiceReader> readers)
    {
        int promptTokens = p.Prompts.Sum(x => x.Ids.Length);
        int completion = readers.Sum(r => r.Tokens.Count);
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", promptTokens);
        w.WriteNumber("completion_tokens", completion);
        w.WriteNumber("total_tokens", promptTokens + completion);
        w.WriteEndObject();
    }

    private Task StreamAsync(HttpContext ctx, CompletionParams p, List<ChoiceReader> readers, List<PromptIn> promptOf,
        LogprobJson lp, string id, long created, CancellationToken cancel)
    {
        var stream = new EventStream(id, "text_completion", created, m.Name);
        byte[] Chunk(int index, string text, Action<Utf8JsonWriter>? logprobs, string? finish) =>
            stream.Chunk(index, w => w.WriteString("text", text), logprobs, finish);
        async Task Pump(int c, ChannelWriter<byte[]> frames)
        {
            var r = readers[c];
            int offset = 0;
            bool echoed = !p.Echo;
            await foreach (var d in r.ReadAsync(cancel).ConfigureAwait(false))
            {
                if (!echoed)
                {
                    // The prompt (and its logprobs) comes first, as vLLM streams it. The engine has set the prompt
                    // scores before it reports anything about the job, so they are ready by the first delta.
                    echoed = true;
                    var prompt = promptOf[c];
                    string text = EchoText(prompt);
                    await frames.WriteAsync(Chunk(c, text, p.Logprobs is null ? null
                        : w => offset = lp.WriteLegacy(w, prompt.Ids, r.Job.PromptScores, r.Tokens, 0, 0, 0, p.Logprobs > 0), null), cancel).ConfigureAwait(false);
                }
                if (d.Text.Length == 0 && d.TokenCount == 0 && d.Finish is null)
                {
                    continue;
                }
                int start = offset;
                Action<Utf8JsonWriter>? logprobs = p.Logprobs is null ? null : w => offset = lp.WriteLegacy(w, null, null, r.Tokens, d.TokenStart, d.TokenCount, start, p.Logprobs > 0);
                await frames.WriteAsync(Chunk(c, d.Text, logprobs, d.Finish), cancel).ConfigureAwait(false);
            }
        }
        return stream.RunAsync(ctx, readers.Count, Pump, p.IncludeUsage ? w => WriteUsage(w, p, readers) : null, cancel);
    }
}
