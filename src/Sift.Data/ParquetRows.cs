using System.Collections;
using System.Globalization;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using Sift.Core;

namespace Sift.Data;

/// <summary>
/// Reads Parquet files (as the Hugging Face Hub publishes datasets) with Parquet.Net, one row group at a time:
/// whole rows as JSON objects (the form a JSONL line has, so every JSONL reader takes Parquet too), or one string
/// column. A missing column is an error that lists the columns present.
/// </summary>
public static class ParquetRows
{
    /// <summary>True for a .parquet file name.</summary>
    public static bool IsParquet(string path) => Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>The top-level column names, in schema order.</summary>
    public static IReadOnlyList<string> Columns(string path)
    {
        using var stream = Open(path);
        using var reader = new SyncReader(Run(() => ParquetReader.CreateAsync(stream), path));
        return [.. reader.Reader.Schema.Fields.Select(f => f.Name)];
    }

    /// <summary>Every row as a JSON object (1-based row numbers); lists become arrays, structs objects, bytes base64.</summary>
    public static IEnumerable<(long Row, JsonObject Record)> ReadRecords(string path)
    {
        using var stream = Open(path);
        int groups;
        using (var reader = new SyncReader(Run(() => ParquetReader.CreateAsync(stream, leaveStreamOpen: true), path)))
        {
            groups = reader.Reader.RowGroupCount;
        }
        long row = 0;
        for (int g = 0; g < groups; g++)
        {
            stream.Position = 0;
            var result = Run(() => ParquetSerializer.DeserializeUntypedAsync(stream, null, g), path);
            foreach (var values in result.Data)
            {
                var o = new JsonObject();
                foreach (var (key, value) in values)
                {
                    o[key] = ToJson(value);
                }
                yield return (++row, o);
            }
        }
    }

    /// <summary>The values of one string column in row order (null for a null cell), streamed per row group.</summary>
    public static IEnumerable<(long Row, string? Value)> ReadStrings(string path, string column)
    {
        using var stream = Open(path);
        using var sync = new SyncReader(Run(() => ParquetReader.CreateAsync(stream), path));
        var reader = sync.Reader;
        var field = reader.Schema.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == column && f.MaxRepetitionLevel == 0)
            ?? throw MissingColumn(path, column, reader.Schema.Fields.Select(f => f.Name));
        // Parquet.Net 6 types string columns as ReadOnlyMemory<char>; both read into strings.
        if (field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>))
        {
            throw new SiftException($"{path}: column \"{column}\" holds {field.ClrType.Name} values, expected strings");
        }
        long row = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            string?[] values = new string?[group.RowCount];
            Run(async () =>
            {
                await group.ReadAsync(field, values.AsMemory()!, null).ConfigureAwait(false);
                return 0;
            }, path);
            foreach (string? v in values)
            {
                yield return (++row, v);
            }
        }
    }

    /// <summary>Writes every row as one JSONL line (for readers that take JSONL); returns the row count.</summary>
    public static long ToJsonl(string parquetPath, string jsonlPath)
    {
        long rows = 0;
        using var w = new StreamWriter(jsonlPath, false, new System.Text.UTF8Encoding(false), 1 << 16);
        foreach (var (_, o) in ReadRecords(parquetPath))
        {
            w.Write(o.ToJsonString());
            w.Write('\n');
            rows++;
        }
        return rows;
    }

    /// <summary>The error for a column that is not there, naming the columns that are.</summary>
    public static SiftException MissingColumn(string path, string column, IEnumerable<string> present) =>
        new($"{path}: no column \"{column}\" (columns present: {string.Join(", ", present)})");

    private static FileStream Open(string path) => File.Exists(path)
        ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16)
        : throw new SiftException($"{path}: file not found");

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        ReadOnlyMemory<char> m => JsonValue.Create(m.ToString()),
        bool b => JsonValue.Create(b),
        byte or sbyte or short or ushort or int => JsonValue.Create(Convert.ToInt32(value, CultureInfo.InvariantCulture)),
        uint or long => JsonValue.Create(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        float f => JsonValue.Create(f),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        DateTime t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
        DateTimeOffset t => JsonValue.Create(t.ToString("O", CultureInfo.InvariantCulture)),
        byte[] bytes => JsonValue.Create(Convert.ToBase64String(bytes)),
        IDictionary<string, object?> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, ToJson(kv.Value)))),
        IDictionary map => new JsonObject(map.Keys.Cast<object>().Select(k => KeyValuePair.Create(Convert.ToString(k, CultureInfo.InvariantCulture)!, ToJson(map[k])))),
        IEnumerable items => new JsonArray([.. items.Cast<object?>().Select(ToJson)]),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    // Parquet.Net's reader only has DisposeAsync.
    private sealed class SyncReader(ParquetReader reader) : IDisposable
    {
        public ParquetReader Reader { get; } = reader;

        public void Dispose() => Reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Parquet.Net is async; the readers here are synchronous streams over local files.
    private static T Run<T>(Func<Task<T>> body, string path)
    {
        try
        {
            return body().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new SiftException($"{path}: not a readable Parquet file ({ex.Message})", ex);
        }
    }
}
