using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Sift.Serving.Protocol;

namespace Sift.Serving.Endpoints;

/// <summary>Reading bodies with a size limit, and writing JSON, errors and server-sent events.</summary>
internal static class HttpIo
{
    // Relaxed escaping: responses are JSON for API clients, not HTML, so quotes and non-ASCII text stay readable.
    public static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Reads the whole body; bigger than the limit is a 400 (not a 413 or a dropped connection).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest req, int limit, CancellationToken cancel)
    {
        if (req.ContentLength is long len && len > limit)
        {
            throw ApiException.Bad($"the request body is {len} bytes; this server accepts at most {limit}");
        }
        var buf = new ArrayBufferWriter<byte>(req.ContentLength is long l && l > 0 ? (int)l : 4096);
        try
        {
            while (true)
            {
                var mem = buf.GetMemory(8192);
                int n = await req.Body.ReadAsync(mem, cancel).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                buf.Advance(n);
                if (buf.WrittenCount > limit)
                {
                    throw ApiException.Bad($"the request body is larger than {limit} bytes, the most this server accepts");
                }
            }
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex)
        {
            // Kestrel's own body limit or a malformed chunked body.
            throw ApiException.Bad($"the request body could not be read: {ex.Message}");
        }
        return buf.WrittenSpan.ToArray();
    }

    public static async Task WriteJsonAsync(HttpResponse resp, int status, Action<Utf8JsonWriter> write, CancellationToken cancel)
    {
        var buf = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buf, WriterOptions))
        {
            write(w);
        }
        resp.StatusCode = status;
        resp.ContentType = "application/json";
        resp.ContentLength = buf.WrittenCount;
        await resp.Body.WriteAsync(buf.WrittenMemory, cancel).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpResponse resp, ApiException e, CancellationToken cancel)
    {
        if (e.RetryAfterSeconds is int ra)
        {
            resp.Headers.RetryAfter = ra.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return WriteJsonAsync(resp, e.Status, w => ApiException.WriteBody(w, e.Message, e.Type, e.Param, e.Code), cancel);
    }

    public static void StartEvents(HttpResponse resp)
    {
        resp.StatusCode = 200;
        resp.ContentType = "text/event-stream";
        resp.Headers.CacheControl = "no-cache";
        resp.Headers["X-Accel-Buffering"] = "no";
    }

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    /// <summary>One SSE frame "data: {json}\n\n".</summary>
    public static byte[] Event(Action<Utf8JsonWriter> write)
    {
        var buf = new ArrayBufferWriter<byte>(512);
        buf.Write(DataPrefix);
        using (var w = new Utf8JsonWriter(buf, WriterOptions))
        {
            write(w);
        }
        buf.Write(EventEnd);
        return buf.WrittenSpan.ToArray();
    }

    public static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>A logprob as JSON: −inf is clamped to −9999 as vLLM does (JSON has no infinities).</summary>
    public static void WriteLogprob(Utf8JsonWriter w, float lp)
    {
        if (float.IsNaN(lp))
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteNumberValue(float.IsNegativeInfinity(lp) || lp < -9999f ? -9999f : lp);
        }
    }
}
