using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Eval.Samples;

/// <summary>
/// The append-only <c>samples.jsonl</c> of a run. Each completion is written as one line and flushed as soon as it
/// is graded, so a killed run loses at most what was in flight; reopening reads what is there (dropping an
/// unfinished last line from a kill mid-write) so the run can skip finished work. Thread-safe.
/// </summary>
internal sealed class SamplesLog : IDisposable
{
    private readonly FileStream _stream;
    private readonly object _gate = new();
    private readonly HashSet<(int, int)> _done = [];
    private readonly HashSet<int> _withPrompt = [];

    private SamplesLog(string path, FileStream stream, List<SampleRecord> existing)
    {
        Path = path;
        _stream = stream;
        Existing = existing;
        foreach (var r in existing)
        {
            _done.Add((r.Idx, r.Sample));
            if (r.Prompt is not null)
            {
                _withPrompt.Add(r.Idx);
            }
        }
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Records that were already in the file when it was opened.</summary>
    public IReadOnlyList<SampleRecord> Existing { get; }

    /// <summary>Opens (creating) the log and reads what it holds.</summary>
    public static SamplesLog Open(string path, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var existing = ReadAndRepair(path, stream, policy, warn);
            stream.Seek(0, SeekOrigin.End);
            return new SamplesLog(path, stream, existing);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Whether (idx, sample) is already written.</summary>
    public bool Contains(int idx, int sample)
    {
        lock (_gate)
        {
            return _done.Contains((idx, sample));
        }
    }

    /// <summary>Whether the problem's prompt has been written on some line already.</summary>
    public bool HasPrompt(int idx)
    {
        lock (_gate)
        {
            return _withPrompt.Contains(idx);
        }
    }

    /// <summary>
    /// Appends a record and flushes it to the OS. The prompt is kept only on the first line of each problem;
    /// a record already present is not written twice.
    /// </summary>
    public void Append(SampleRecord record)
    {
        lock (_gate)
        {
            if (!_done.Add((record.Idx, record.Sample)))
            {
                return;
            }
            if (record.Prompt is not null && !_withPrompt.Add(record.Idx))
            {
                record = record with { Prompt = null };
            }
            byte[] bytes = Encoding.UTF8.GetBytes(record.ToJson() + "\n");
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    /// <summary>Reads every record of a samples file (no repair, read-only).</summary>
    public static List<SampleRecord> ReadAll(string path, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null)
    {
        var report = new JsonlReport();
        var list = new List<SampleRecord>();
        foreach (var (line, o) in JsonlReader.Read(path, policy, report, warn))
        {
            if (TryRecord(path, line, o, policy, report, warn) is { } r)
            {
                list.Add(r);
            }
        }
        return list;
    }

    private static SampleRecord? TryRecord(string path, int line, JsonObject o, BadLinePolicy policy, JsonlReport report, Action<string>? warn)
    {
        try
        {
            return SampleRecord.FromJson(o);
        }
        catch (SiftException ex)
        {
            JsonlReader.Fail(path, line, ex.Message, policy, report, warn);
            return null;
        }
    }

    private static List<SampleRecord> ReadAndRepair(string path, FileStream stream, BadLinePolicy policy, Action<string>? warn)
    {
        var list = new List<SampleRecord>();
        if (stream.Length == 0)
        {
            return list;
        }
        var bytes = new byte[stream.Length];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (end < bytes.Length)
        {
            // A kill while a line was being written leaves it without its newline: it was never finished, drop it.
            warn?.Invoke($"{path}: dropped an unfinished last line ({bytes.Length - end} bytes) left by an interrupted run");
            stream.SetLength(end);
        }
        var report = new JsonlReport();
        int lineNo = 0;
        int bom = bytes.AsSpan(0, end).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        foreach (string text in Encoding.UTF8.GetString(bytes, bom, end - bom).Split('\n'))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            JsonObject? o;
            try
            {
                o = JsonNode.Parse(text) as JsonObject;
            }
            catch (JsonException ex)
            {
                JsonlReader.Fail(path, lineNo, "invalid JSON: " + ex.Message, policy, report, warn);
                continue;
            }
            if (o is null)
            {
                JsonlReader.Fail(path, lineNo, "expected a JSON object", policy, report, warn);
                continue;
            }
            if (TryRecord(path, lineNo, o, policy, report, warn) is { } r)
            {
                list.Add(r);
            }
        }
        return list;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }
}
