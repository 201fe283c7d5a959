using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Sift.Serving.Engine;
using Sift.Serving.Protocol;

namespace Sift.Serving.Endpoints;

/// <summary>What the generation endpoints share: queue admission, SSE frame writing, timing headers.</summary>
internal static class Submit
{
    /// <summary>Queues a request's jobs, or answers 429 (queue full) / 503 (shutting down).</summary>
    public static void Jobs(ServedModelState m, IReadOnlyList<EngineJob> jobs)
    {
        if (m.Draining)
        {
            throw new ApiException(503, "the server is shutting down; retry against another server or after the restart", type: "server_error")
            {
                RetryAfterSeconds = 1,
            };
        }
        if (!m.Engine.TrySubmit(jobs))
        {
            throw new ApiException(429, $"the server is busy: {m.Engine.Waiting} sequences are waiting (limit {m.Engine.MaxQueue}); retry later", type: "rate_limit_error", code: "queue_full")
            {
                RetryAfterSeconds = 1,
            };
        }
    }

    /// <summary>Writes SSE frames as they come, flushing when the channel has nothing more ready.</summary>
    public static async Task WriteFramesAsync(HttpContext ctx, ChannelReader<byte[]> frames, CancellationToken cancel)
    {
        var body = ctx.Response.Body;
        while (await frames.WaitToReadAsync(cancel).ConfigureAwait(false))
        {
            while (frames.TryRead(out var f))
            {
                await body.WriteAsync(f, cancel).ConfigureAwait(false);
            }
            await body.FlushAsync(cancel).ConfigureAwait(false);
        }
        // Surfaces a pump's failure (engine error, cancellation).
        await frames.Completion.ConfigureAwait(false);
    }

    /// <summary>Server-Timing: time before the engine (parse, validate, tokenize), and the engine's own span.</summary>
    public static string Timing(long t0, long engineStart, long engineEnd)
    {
        var inv = CultureInfo.InvariantCulture;
        double pre = ServerMetrics.Seconds(t0, engineStart) * 1000, eng = ServerMetrics.Seconds(engineStart, engineEnd) * 1000;
        return string.Create(inv, $"pre;dur={pre:0.###}, engine;dur={eng:0.###}");
    }
}
