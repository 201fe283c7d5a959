using System.Text.Json;
using Sift.Core;

namespace Sift.Engine.IO;

/// <summary>
/// Parses and validates a safetensors JSON header. Every rule the reader relies on is checked here,
/// so reads never touch bytes outside the file: known dtype, non-negative shape, offsets inside the
/// data region, byte length matching shape × element size, no two tensors overlapping.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>Upper bound on the header (the reference implementation uses the same 100 MB limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>The reserved key holding string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Parses <paramref name="json"/>; offsets in the result are absolute file offsets.</summary>
    /// <param name="json">The N header bytes.</param>
    /// <param name="fileName">For messages.</param>
    /// <param name="fileLength">Total file length in bytes.</param>
    public static (Dictionary<string, TensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> json, string fileName, long fileLength)
    {
        long dataStart = 8 + json.Length;
        long dataLength = fileLength - dataStart;
        var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranges = new List<(long Begin, long End, string Name)>();

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new SiftException($"{fileName}: safetensors header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{fileName}: safetensors header must be a JSON object, found {doc.RootElement.ValueKind}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                {
                    throw new SiftException($"{fileName}: safetensors header lists \"{prop.Name}\" twice");
                }

                if (prop.Name == MetadataKey)
                {
                    ParseMetadata(prop.Value, fileName, metadata);
                    continue;
                }

                TensorInfo info = ParseTensor(prop.Name, prop.Value, fileName, dataStart, dataLength, fileLength, out long begin, out long end);
                tensors.Add(info.Name, info);
                ranges.Add((begin, end, info.Name));
            }
        }

        CheckNoOverlap(ranges, fileName);
        return (tensors, metadata);
    }

    private static void ParseMetadata(JsonElement value, string fileName, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SiftException($"{fileName}: \"{MetadataKey}\" must be an object of strings, found {value.ValueKind}");
        }

        foreach (JsonProperty kv in value.EnumerateObject())
        {
            if (kv.Value.ValueKind != JsonValueKind.String)
            {
                throw new SiftException($"{fileName}: \"{MetadataKey}\".\"{kv.Name}\" must be a string, found {kv.Value.ValueKind}");
            }

            if (!metadata.TryAdd(kv.Name, kv.Value.GetString()!))
            {
                throw new SiftException($"{fileName}: \"{MetadataKey}\" lists \"{kv.Name}\" twice");
            }
        }
    }

    private static TensorInfo ParseTensor(string name, JsonElement value, string fileName,
        long dataStart, long dataLength, long fileLength, out long begin, out long end)
    {
        string where = $"{fileName}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SiftException($"{where}: expected an object with dtype, shape and data_offsets, found {value.ValueKind}");
        }

        if (!value.TryGetProperty("dtype", out JsonElement dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
        {
            throw new SiftException($"{where}: missing string field \"dtype\"");
        }

        string? dtypeText = dtypeEl.GetString();
        if (!SafeTensorsDTypes.TryParse(dtypeText, out SafeTensorsDType dtype))
        {
            throw new SiftException(
                $"{where}: unknown dtype \"{dtypeText}\" (expected one of F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, U16, U32, U64)");
        }

        if (!value.TryGetProperty("shape", out JsonElement shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
        {
            throw new SiftException($"{where}: missing array field \"shape\"");
        }

        var shape = new long[shapeEl.GetArrayLength()];
        long elements = 1;
        int k = 0;
        foreach (JsonElement dim in shapeEl.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0)
            {
                throw new SiftException($"{where}: shape[{k}] must be a non-negative integer, found {dim.GetRawText()}");
            }

            shape[k++] = d;
            elements = MultiplyOrThrow(elements, d, where);
        }

        long expectedBytes = MultiplyOrThrow(elements, dtype.ElementSize(), where);

        if (!value.TryGetProperty("data_offsets", out JsonElement offEl) || offEl.ValueKind != JsonValueKind.Array
            || offEl.GetArrayLength() != 2)
        {
            throw new SiftException($"{where}: \"data_offsets\" must be an array [begin, end]");
        }

        begin = ReadOffset(offEl[0], where, "begin");
        end = ReadOffset(offEl[1], where, "end");
        if (end < begin)
        {
            throw new SiftException($"{where}: data_offsets [{begin}, {end}] has end before begin");
        }

        if (end - begin != expectedBytes)
        {
            throw new SiftException(
                $"{where}: data_offsets [{begin}, {end}] span {end - begin} bytes but shape [{string.Join(", ", shape)}] " +
                $"of {dtype.HeaderName()} needs {expectedBytes} bytes");
        }

        if (end > dataLength)
        {
            throw new SiftException(
                $"{where}: data_offsets [{begin}, {end}] run past the end of the data: the file must be at least " +
                $"{dataStart + end} bytes but is {fileLength} bytes (truncated file?)");
        }

        return new TensorInfo(name, dtype, shape, dataStart + begin, expectedBytes);
    }

    private static long ReadOffset(JsonElement el, string where, string which)
    {
        if (el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out long v) || v < 0)
        {
            throw new SiftException($"{where}: data_offsets {which} must be a non-negative integer, found {el.GetRawText()}");
        }

        return v;
    }

    private static long MultiplyOrThrow(long a, long b, string where)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException)
        {
            throw new SiftException($"{where}: shape is too large (byte size overflows 64 bits)");
        }
    }

    private static void CheckNoOverlap(List<(long Begin, long End, string Name)> ranges, string fileName)
    {
        // Empty tensors occupy no bytes and cannot overlap anything.
        var sorted = ranges.Where(r => r.End > r.Begin).OrderBy(r => r.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            // Sorted by begin and checked pairwise: any overlap would already show between neighbours,
            // because a range nested in its predecessor starts before the predecessor's end.
            var prev = sorted[i - 1];
            var cur = sorted[i];
            if (cur.Begin < prev.End)
            {
                throw new SiftException(
                    $"{fileName}: tensors '{prev.Name}' [{prev.Begin}, {prev.End}] and '{cur.Name}' [{cur.Begin}, {cur.End}] overlap");
            }
        }
    }
}
