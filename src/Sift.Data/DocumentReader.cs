using System.Text;
using System.Text.Json;
using Sift.Core;

namespace Sift.Data;

/// <summary>
/// One unparsed document in input order: plain text, or a raw JSONL line whose field is
/// extracted later on a worker thread (so JSON parsing runs in parallel too).
/// </summary>
internal readonly record struct RawDocument(string File, long Line, string Payload, bool IsJsonl);

/// <summary>Streams <see cref="RawDocument"/>s from input files without holding a file in memory (except <see cref="TextSplit.WholeFile"/>).</summary>
internal sealed class DocumentReader
{
    private readonly PackOptions _options;
    private long _bytesDone;
    private FileStream? _current;

    public DocumentReader(PackOptions options) => _options = options;

    /// <summary>Bytes of input consumed: finished files plus the current file's read position.</summary>
    public long BytesRead => _bytesDone + (_current?.Position ?? 0);

    public IEnumerable<RawDocument> Read(IReadOnlyList<string> files)
    {
        foreach (string file in files)
        {
            if (_options.Format == InputFormat.Parquet || (_options.Format == InputFormat.Auto && ParquetRows.IsParquet(file)))
            {
                foreach (var (row, text) in ParquetRows.ReadStrings(file, _options.TextField))
                {
                    yield return new RawDocument(file, row, text ?? throw new SiftException($"{file}: row {row}: column \"{_options.TextField}\" is null"), false);
                }
                _bytesDone += new FileInfo(file).Length;
                continue;
            }
            bool jsonl = _options.Format == InputFormat.Jsonl ||
                (_options.Format == InputFormat.Auto && IsJsonlName(file));
            var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            _current = stream;
            try
            {
                using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
                var docs = jsonl ? ReadJsonl(file, reader)
                    : _options.TextSplit == TextSplit.WholeFile ? ReadWhole(file, reader)
                    : ReadBlocks(file, reader);
                foreach (var d in docs)
                {
                    yield return d;
                }
                _bytesDone += stream.Length;
            }
            finally
            {
                _current = null;
                stream.Dispose();
            }
        }
    }

    public static bool IsJsonlName(string file)
    {
        string ext = Path.GetExtension(file);
        return ext.Equals(".jsonl", StringComparison.OrdinalIgnoreCase) || ext.Equals(".ndjson", StringComparison.OrdinalIgnoreCase);
    }

    private static IEnumerable<RawDocument> ReadJsonl(string file, StreamReader reader)
    {
        long lineNo = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return new RawDocument(file, lineNo, line, true);
            }
        }
    }

    private static IEnumerable<RawDocument> ReadWhole(string file, StreamReader reader)
    {
        yield return new RawDocument(file, 1, reader.ReadToEnd(), false);
    }

    private static IEnumerable<RawDocument> ReadBlocks(string file, StreamReader reader)
    {
        var sb = new StringBuilder();
        long lineNo = 0, startLine = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (sb.Length > 0)
                {
                    yield return new RawDocument(file, startLine, sb.ToString(), false);
                    sb.Clear();
                }
                continue;
            }
            if (sb.Length == 0)
            {
                startLine = lineNo;
            }
            else
            {
                sb.Append('\n');
            }
            sb.Append(line);
        }
        if (sb.Length > 0)
        {
            yield return new RawDocument(file, startLine, sb.ToString(), false);
        }
    }

    /// <summary>The document text: the payload, or the JSONL line's string field (errors name file and line).</summary>
    public static string TextOf(in RawDocument doc, string field)
    {
        if (!doc.IsJsonl)
        {
            return doc.Payload;
        }
        string where = $"{doc.File}:{doc.Line}";
        try
        {
            using var json = JsonDocument.Parse(doc.Payload);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{where}: expected a JSON object, got {Kind(root.ValueKind)}");
            }
            if (!root.TryGetProperty(field, out var value))
            {
                throw new SiftException($"{where}: missing field \"{field}\"");
            }
            if (value.ValueKind != JsonValueKind.String)
            {
                throw new SiftException($"{where}: field \"{field}\" is {Kind(value.ValueKind)}, expected a string");
            }
            return value.GetString()!;
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{where}: bad JSON: {ex.Message}", ex);
        }
    }

    private static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };
}
