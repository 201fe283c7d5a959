using System.Diagnostics;

namespace Sift.Core.Reporting;

/// <summary>
/// A single-line progress bar with ETA when the writer is an interactive terminal; otherwise a plain log line
/// at most every <see cref="PlainInterval"/> (so CI logs stay readable).
/// </summary>
public sealed class ConsoleProgress : IProgressReporter
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastPlain;
    private string? _task;
    private TimeSpan _taskStart;
    private long _taskStartDone;
    private bool _barShown;
    private bool _plainFinished;

    /// <summary>Creates a reporter; interactive defaults to "stderr is a terminal".</summary>
    public ConsoleProgress(TextWriter? output = null, bool? interactive = null)
    {
        _out = output ?? Console.Error;
        _interactive = interactive ?? (!Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null);
    }

    /// <summary>Minimum time between plain log lines.</summary>
    public TimeSpan PlainInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public void Report(string task, long done, long total, string status)
    {
        if (task != _task)
        {
            _task = task;
            _plainFinished = false;
            _taskStart = _clock.Elapsed;
            _taskStartDone = done;
        }
        TimeSpan elapsed = _clock.Elapsed - _taskStart;
        long progressed = done - _taskStartDone;
        string eta = progressed > 0 && total > done ? Fmt(TimeSpan.FromSeconds(elapsed.TotalSeconds / progressed * (total - done))) : "--";
        double frac = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
        if (_interactive)
        {
            const int width = 28;
            int filled = (int)Math.Round(frac * width);
            string bar = new string('█', filled) + new string('░', width - filled);
            string line = $"\r{task} {bar} {frac * 100,5:0.0}% {done}/{total} {status} ETA {eta}";
            int cols = 200;
            try
            {
                cols = Math.Max(40, Console.WindowWidth);
            }
            catch (IOException)
            {
            }
            _out.Write(line.Length > cols ? line[..cols] : line.PadRight(Math.Min(cols, line.Length + 4)));
            _barShown = true;
        }
        else if (!_plainFinished && (_lastPlain is null || _clock.Elapsed - _lastPlain.Value >= PlainInterval || done >= total))
        {
            _plainFinished = done >= total;
            _lastPlain = _clock.Elapsed;
            _out.WriteLine($"{task} {done}/{total} ({frac * 100:0.0}%) {status} elapsed {Fmt(elapsed)} eta {eta}");
        }
    }

    /// <inheritdoc />
    public void Line(string text)
    {
        if (_barShown)
        {
            _out.Write("\r\u001b[2K");
        }
        _out.WriteLine(text);
    }

    /// <inheritdoc />
    public void Done()
    {
        if (_barShown)
        {
            _out.WriteLine();
            _barShown = false;
        }
        _task = null;
    }

    /// <summary>Formats a duration compactly (1h02m, 3m05s, 12s).</summary>
    public static string Fmt(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0}s";
}
