using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sift.Serving.Engine;

namespace Sift.Serving;

/// <summary>
/// Counters for GET /metrics (Prometheus text format): requests by route and status, tokens, queue depth, and the
/// server's own overhead per request (handler wall time minus the engine's time for the request's sequences:
/// parsing, validation, tokenization, detokenization, JSON and socket writes), over the last 8192 non-streaming requests.
/// </summary>
public sealed class ServerMetrics
{
    private const int Window = 8192;
    private readonly Dictionary<(string Route, int Status), long> _requests = [];
    private readonly double[] _overhead = new double[Window];
    private long _overheadCount;
    private readonly object _lock = new();

    /// <summary>Counts a finished request.</summary>
    public void Request(string route, int status)
    {
        lock (_lock)
        {
            _requests[(route, status)] = _requests.GetValueOrDefault((route, status)) + 1;
        }
    }

    /// <summary>Records one request's server overhead in seconds.</summary>
    public void Overhead(double seconds)
    {
        lock (_lock)
        {
            _overhead[_overheadCount++ % Window] = seconds;
        }
    }

    /// <summary>Overhead quantile (seconds) over the recent window, or NaN before any request.</summary>
    public double OverheadQuantile(double q)
    {
        double[] xs;
        lock (_lock)
        {
            int n = (int)Math.Min(_overheadCount, Window);
            if (n == 0)
            {
                return double.NaN;
            }
            xs = _overhead[..n];
        }
        Array.Sort(xs);
        return xs[(int)Math.Min(xs.Length - 1, Math.Floor(q * xs.Length))];
    }

    /// <summary>Requests with this status so far (all routes).</summary>
    public long Count(int status)
    {
        lock (_lock)
        {
            return _requests.Where(kv => kv.Key.Status == status).Sum(kv => kv.Value);
        }
    }

    /// <summary>Clears the overhead window (benchmarks measure one phase at a time).</summary>
    public void ResetOverhead()
    {
        lock (_lock)
        {
            _overheadCount = 0;
        }
    }

    /// <summary>The Prometheus exposition text.</summary>
    public string Render(BatchEngine engine)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# HELP sift_requests_total HTTP requests by route and status.\n# TYPE sift_requests_total counter\n");
        lock (_lock)
        {
            foreach (var ((route, status), n) in _requests.OrderBy(k => k.Key.Route, StringComparer.Ordinal).ThenBy(k => k.Key.Status))
            {
                sb.Append(inv, $"sift_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n");
            }
        }
        sb.Append("# TYPE sift_generated_tokens_total counter\n").Append(inv, $"sift_generated_tokens_total {engine.GeneratedTokens}\n");
        sb.Append("# TYPE sift_prompt_tokens_total counter\n").Append(inv, $"sift_prompt_tokens_total {engine.PromptTokens}\n");
        sb.Append("# TYPE sift_prefill_tokens_total counter\n").Append(inv, $"sift_prefill_tokens_total {engine.PrefilledTokens}\n");
        sb.Append("# TYPE sift_engine_steps_total counter\n").Append(inv, $"sift_engine_steps_total {engine.Steps}\n");
        sb.Append("# TYPE sift_engine_busy_seconds_total counter\n").Append(inv, $"sift_engine_busy_seconds_total {engine.BusySeconds:0.######}\n");
        sb.Append("# TYPE sift_sequences_waiting gauge\n").Append(inv, $"sift_sequences_waiting {engine.Waiting}\n");
        sb.Append("# TYPE sift_sequences_running gauge\n").Append(inv, $"sift_sequences_running {engine.Running}\n");
        sb.Append("# HELP sift_server_overhead_seconds Handler time beyond the engine's, per non-streaming request (recent window).\n");
        sb.Append("# TYPE sift_server_overhead_seconds summary\n");
        foreach (double q in new[] { 0.5, 0.9, 0.99 })
        {
            double v = OverheadQuantile(q);
            sb.Append(inv, $"sift_server_overhead_seconds{{quantile=\"{q}\"}} {(double.IsNaN(v) ? "NaN" : v.ToString("0.#########", inv))}\n");
        }
        return sb.ToString();
    }

    /// <summary>Seconds between two Stopwatch timestamps.</summary>
    public static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;
}
