using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sift.Core;

namespace Sift.Remote;

/// <summary>
/// A small client for POST /v1/completions, which the OpenAI SDK does not cover: text or token-id prompts,
/// echo with prompt logprobs (the basis of remote scoring), n samples, and streaming. Retries, timeouts and the
/// concurrency bound come from the <see cref="RemoteEndpoint"/>.
/// </summary>
public sealed class CompletionsClient(RemoteEndpoint endpoint)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>The endpoint.</summary>
    public RemoteEndpoint Endpoint => endpoint;

    /// <summary>Sends a non-streaming request (retried on transient failures).</summary>
    public Task<CompletionResponse> CreateAsync(CompletionRequest request, CancellationToken cancel = default)
    {
        if (request.Stream == true)
        {
            throw new ArgumentException("use StreamAsync for streaming requests", nameof(request));
        }
        byte[] body = Serialize(request, endpoint.Model, stream: false);
        return endpoint.ExecuteAsync("POST completions", async ct =>
        {
            using var resp = await endpoint.SendAsync(() => Post(body), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            await using var s = await resp.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            using var doc = await ParseAsync(s, ct).ConfigureAwait(false);
            return Parse(doc.RootElement);
        }, cancel);
    }

    /// <summary>
    /// Streams a request: yields each chunk as it arrives (choice texts are deltas; the last chunk may hold only usage).
    /// Establishing the stream is retried; a stream broken midway throws (its partial output is not replayable).
    /// </summary>
    public async IAsyncEnumerable<CompletionResponse> StreamAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        byte[] body = Serialize(request, endpoint.Model, stream: true);
        // The stream holds its concurrency slot from the first attempt until its last event.
        using var slot = await endpoint.AcquireAsync(cancel).ConfigureAwait(false);
        using var resp = await endpoint.ExecuteAsync("POST completions (stream)", async ct =>
            await endpoint.SendAsync(() => Post(body), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false), cancel, gated: false).ConfigureAwait(false);
        {
            await using var s = await resp.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false);
            await foreach (string data in ServerSentEvents.ReadAsync(s, cancel).ConfigureAwait(false))
            {
                using var doc = JsonDocument.Parse(data);
                if (doc.RootElement.TryGetProperty("error", out _))
                {
                    throw new SiftException($"{endpoint.BaseUri}completions: the stream ended with an error: {RemoteEndpoint.ErrorMessageOf(data)}");
                }
                yield return Parse(doc.RootElement);
            }
        }
    }

    private static HttpRequestMessage Post(byte[] body) => new(HttpMethod.Post, "completions")
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
    };

    private static async Task<JsonDocument> ParseAsync(Stream s, CancellationToken ct)
    {
        try
        {
            return await JsonDocument.ParseAsync(s, default, ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"completions: the server's response is not valid JSON ({ex.Message})");
        }
    }

    /// <summary>The JSON body of a request.</summary>
    internal static byte[] Serialize(CompletionRequest r, string model, bool stream)
    {
        if (r.Prompts.Count == 0)
        {
            throw new ArgumentException("a completion request needs at least one prompt", nameof(r));
        }
        bool tokens = r.Prompts[0].Tokens is not null;
        if (r.Prompts.Any(p => (p.Tokens is not null) != tokens))
        {
            throw new ArgumentException("prompts of one request must be all text or all token ids", nameof(r));
        }
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf))
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WritePropertyName("prompt");
            if (r.Prompts.Count == 1)
            {
                WritePrompt(w, r.Prompts[0]);
            }
            else
            {
                w.WriteStartArray();
                foreach (var p in r.Prompts)
                {
                    WritePrompt(w, p);
                }
                w.WriteEndArray();
            }
            if (r.MaxTokens is int mt)
            {
                w.WriteNumber("max_tokens", mt);
            }
            if (r.Temperature is float t)
            {
                w.WriteNumber("temperature", t);
            }
            if (r.TopP is float tp)
            {
                w.WriteNumber("top_p", tp);
            }
            if (r.TopK is int tk)
            {
                w.WriteNumber("top_k", tk);
            }
            if (r.N is int n)
            {
                w.WriteNumber("n", n);
            }
            if (r.Seed is long seed)
            {
                w.WriteNumber("seed", seed);
            }
            if (r.Stop is { Count: > 0 } stop)
            {
                w.WriteStartArray("stop");
                foreach (string s in stop)
                {
                    w.WriteStringValue(s);
                }
                w.WriteEndArray();
            }
            if (r.Logprobs is int lp)
            {
                w.WriteNumber("logprobs", lp);
            }
            if (r.Echo is bool echo)
            {
                w.WriteBoolean("echo", echo);
            }
            if (r.PromptLogprobs is int plp)
            {
                w.WriteNumber("prompt_logprobs", plp);
            }
            if (r.ReturnTokensAsTokenIds is bool rt)
            {
                w.WriteBoolean("return_tokens_as_token_ids", rt);
            }
            if (r.ReturnTokenIds is bool ri)
            {
                w.WriteBoolean("return_token_ids", ri);
            }
            if (stream)
            {
                w.WriteBoolean("stream", true);
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }
            if (r.Extra is { } extra)
            {
                foreach (var (k, v) in extra)
                {
                    w.WritePropertyName(k);
                    if (v is null)
                    {
                        w.WriteNullValue();
                    }
                    else
                    {
                        v.WriteTo(w);
                    }
                }
            }
            w.WriteEndObject();
        }
        return buf.WrittenSpan.ToArray();
    }

    private static void WritePrompt(Utf8JsonWriter w, CompletionPrompt p)
    {
        if (p.Tokens is { } ids)
        {
            w.WriteStartArray();
            foreach (int id in ids)
            {
                w.WriteNumberValue(id);
            }
            w.WriteEndArray();
        }
        else
        {
            w.WriteStringValue(p.Text);
        }
    }

    /// <summary>Reads a response (or a stream chunk) object.</summary>
    internal static CompletionResponse Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out var choicesEl) || choicesEl.ValueKind != JsonValueKind.Array)
        {
            throw new SiftException($"completions: the server's response has no \"choices\" array: {Shorten(root.GetRawText())}");
        }
        var choices = new List<CompletionChoice>(choicesEl.GetArrayLength());
        foreach (var c in choicesEl.EnumerateArray())
        {
            choices.Add(new CompletionChoice(
                c.TryGetProperty("index", out var ix) && ix.TryGetInt32(out int i) ? i : choices.Count,
                Str(c, "text") ?? "",
                Str(c, "finish_reason"),
                c.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object ? ParseLogprobs(lp) : null,
                c.TryGetProperty("prompt_logprobs", out var plp) && plp.ValueKind == JsonValueKind.Array ? ParsePromptLogprobs(plp) : null,
                Ids(c, "prompt_token_ids"),
                Ids(c, "token_ids")));
        }
        CompletionUsage? usage = null;
        if (root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object)
        {
            usage = new CompletionUsage(Int(u, "prompt_tokens"), Int(u, "completion_tokens"), Int(u, "total_tokens"));
        }
        return new CompletionResponse(Str(root, "id") ?? "", Str(root, "model") ?? "", choices, usage);
    }

    private static CompletionLogprobs ParseLogprobs(JsonElement lp)
    {
        string[] tokens = lp.TryGetProperty("tokens", out var t) && t.ValueKind == JsonValueKind.Array
            ? t.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : "").ToArray()
            : [];
        double?[] values = lp.TryGetProperty("token_logprobs", out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetDouble() : (double?)null).ToArray()
            : [];
        IReadOnlyDictionary<string, double>?[] tops = lp.TryGetProperty("top_logprobs", out var tl) && tl.ValueKind == JsonValueKind.Array
            ? tl.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Object
                ? (IReadOnlyDictionary<string, double>?)x.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)
                    .GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.First().Value.GetDouble(), StringComparer.Ordinal)
                : null).ToArray()
            : [];
        int[] offsets = lp.TryGetProperty("text_offset", out var to) && to.ValueKind == JsonValueKind.Array
            ? to.EnumerateArray().Select(x => x.TryGetInt32(out int o) ? o : 0).ToArray()
            : [];
        return new CompletionLogprobs(tokens, values, tops, offsets);
    }

    private static IReadOnlyList<IReadOnlyDictionary<int, TokenLogprob>?> ParsePromptLogprobs(JsonElement arr)
    {
        var list = new List<IReadOnlyDictionary<int, TokenLogprob>?>(arr.GetArrayLength());
        foreach (var e in arr.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                list.Add(null);
                continue;
            }
            var d = new Dictionary<int, TokenLogprob>();
            foreach (var p in e.EnumerateObject())
            {
                if (!int.TryParse(p.Name, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int id))
                {
                    continue;
                }
                if (p.Value.ValueKind == JsonValueKind.Number)
                {
                    d[id] = new TokenLogprob(p.Value.GetDouble(), null, null);
                }
                else if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("logprob", out var l) && l.ValueKind == JsonValueKind.Number)
                {
                    int? rank = p.Value.TryGetProperty("rank", out var r) && r.TryGetInt32(out int rv) ? rv : null;
                    d[id] = new TokenLogprob(l.GetDouble(), rank, Str(p.Value, "decoded_token"));
                }
            }
            list.Add(d);
        }
        return list;
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.TryGetInt32(out int i) ? i : 0;

    private static int[]? Ids(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Select(x => x.TryGetInt32(out int i) ? i : -1).ToArray()
            : null;

    private static string Shorten(string s) => s.Length > 300 ? s[..300] + "…" : s;
}

/// <summary>Reads the "data:" payloads of a server-sent-event stream until "[DONE]" or the end.</summary>
internal static class ServerSentEvents
{
    public static async IAsyncEnumerable<string> ReadAsync(Stream s, [EnumeratorCancellation] CancellationToken cancel)
    {
        using var reader = new StreamReader(s, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 14);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancel).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    string payload = data.ToString();
                    data.Clear();
                    if (payload == "[DONE]")
                    {
                        yield break;
                    }
                    yield return payload;
                }
                continue;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                {
                    data.Append('\n');
                }
                data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
            }
            // Comments (":...") and other fields (event:, id:, retry:) carry nothing we use.
        }
        if (data.Length > 0 && data.ToString() != "[DONE]")
        {
            yield return data.ToString();
        }
    }
}
