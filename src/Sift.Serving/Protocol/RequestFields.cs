using System.Globalization;
using System.Text.Json;

namespace Sift.Serving.Protocol;

/// <summary>
/// Typed, validated access to the top-level fields of a JSON request. Every failure is a 400 that names the field
/// and says what was expected and what came. A JSON null counts as absent (OpenAI clients send explicit nulls).
/// </summary>
internal sealed class RequestFields
{
    private readonly JsonElement _root;

    public RequestFields(JsonElement root, string path = "")
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.Bad($"{(path.Length == 0 ? "the request body" : $"'{path}'")} must be a JSON object, got {Kind(root)}", path.Length == 0 ? null : path);
        }
        _root = root;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Parses a request body; malformed JSON is a 400 with the position of the problem.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            throw ApiException.Bad("the request body is empty; expected a JSON object");
        }
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            string where = ex.LineNumber is long l ? $" at line {l + 1}, byte {ex.BytePositionInLine + 1}" : "";
            throw ApiException.Bad($"the request body is not valid JSON{where}: {FirstSentence(ex.Message)}");
        }
    }

    /// <summary>Refuses fields outside <paramref name="known"/>, so a typo never silently falls back to a default.</summary>
    public void RejectUnknown(IReadOnlySet<string> known)
    {
        foreach (var p in _root.EnumerateObject())
        {
            if (!known.Contains(p.Name))
            {
                throw ApiException.Bad($"unknown field '{Name(p.Name)}'; this server accepts: {string.Join(", ", known.Order(StringComparer.Ordinal))}", Name(p.Name));
            }
        }
    }

    public bool Has(string name) => _root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement? Element(string name) => _root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string Name(string field) => Path.Length == 0 ? field : $"{Path}.{field}";

    public int? Int(string name, long min, long max)
    {
        if (Element(name) is not { } v)
        {
            return null;
        }
        return (int)IntegerIn(v, Name(name), min, max);
    }

    public long? Long(string name)
    {
        if (Element(name) is not { } v)
        {
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long l))
        {
            return l;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out ulong u))
        {
            return unchecked((long)u);
        }
        throw ApiException.Bad($"'{Name(name)}' must be a 64-bit integer, got {Describe(v)}", Name(name));
    }

    public double? Number(string name, double min, double max)
    {
        if (Element(name) is not { } v)
        {
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
        {
            throw ApiException.Bad($"'{Name(name)}' must be a number, got {Describe(v)}", Name(name));
        }
        if (d < min || d > max)
        {
            throw ApiException.Bad($"'{Name(name)}' must be between {F(min)} and {F(max)}, got {F(d)}", Name(name));
        }
        return d;
    }

    public bool? Bool(string name)
    {
        if (Element(name) is not { } v)
        {
            return null;
        }
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.Bad($"'{Name(name)}' must be true or false, got {Describe(v)}", Name(name)),
        };
    }

    public string? String(string name)
    {
        if (Element(name) is not { } v)
        {
            return null;
        }
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw ApiException.Bad($"'{Name(name)}' must be a string, got {Describe(v)}", Name(name));
    }

    /// <summary>A string or an array of strings (OpenAI "stop").</summary>
    public IReadOnlyList<string> Strings(string name, int maxCount, int maxLength)
    {
        if (Element(name) is not { } v)
        {
            return [];
        }
        var list = new List<string>();
        if (v.ValueKind == JsonValueKind.String)
        {
            list.Add(v.GetString()!);
        }
        else if (v.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var e in v.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String)
                {
                    throw ApiException.Bad($"'{Name(name)}[{i}]' must be a string, got {Describe(e)}", Name(name));
                }
                list.Add(e.GetString()!);
                i++;
            }
        }
        else
        {
            throw ApiException.Bad($"'{Name(name)}' must be a string or an array of strings, got {Describe(v)}", Name(name));
        }
        if (list.Count > maxCount)
        {
            throw ApiException.Bad($"'{Name(name)}' has {list.Count} entries; at most {maxCount} are allowed", Name(name));
        }
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Length == 0 || list[i].Length > maxLength)
            {
                throw ApiException.Bad($"'{Name(name)}[{i}]' must be 1 to {maxLength} characters long, got {list[i].Length}", Name(name));
            }
        }
        return list;
    }

    /// <summary>Refuses a field unless it is absent or has the value that means "off" (unsupported features).</summary>
    public void OnlyDefault(string name, Func<JsonElement, bool> isDefault, string why)
    {
        if (Element(name) is { } v && !isDefault(v))
        {
            throw ApiException.Bad($"'{Name(name)}' {why}", Name(name));
        }
    }

    internal static long IntegerIn(JsonElement v, string name, long min, long max)
    {
        if (v.ValueKind != JsonValueKind.Number)
        {
            throw ApiException.Bad($"'{name}' must be an integer, got {Describe(v)}", name);
        }
        if (!v.TryGetInt64(out long l))
        {
            // 1e30, 2.5, or beyond 64 bits.
            if (v.TryGetDouble(out double d) && double.IsFinite(d) && Math.Floor(d) == d)
            {
                throw ApiException.Bad($"'{name}' must be between {min} and {max}, got {v.GetRawText()}", name);
            }
            throw ApiException.Bad($"'{name}' must be an integer, got {v.GetRawText()}", name);
        }
        if (l < min || l > max)
        {
            throw ApiException.Bad($"'{name}' must be between {min} and {max}, got {l}", name);
        }
        return l;
    }

    internal static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Clip(v.GetString()!)}\"",
        JsonValueKind.Number => v.GetRawText(),
        _ => Kind(v),
    };

    internal static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static string F(double d) => d.ToString("0.###", CultureInfo.InvariantCulture);

    private static string FirstSentence(string s)
    {
        int i = s.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? s[..i] : s;
    }
}
