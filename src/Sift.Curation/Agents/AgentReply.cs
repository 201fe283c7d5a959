using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sift.Curation.Agents;

/// <summary>
/// Reads the JSON object an agent was asked to reply with: the whole reply, else a ```json fenced block, else the
/// span from the first '{' to the last '}' (models often wrap JSON in prose). Anything else is not JSON.
/// </summary>
internal static partial class AgentReply
{
    /// <summary>The reply's JSON object, or null with <paramref name="why"/> set.</summary>
    public static JsonElement? Object(string reply, out string? why)
    {
        foreach (string candidate in Candidates(reply))
        {
            try
            {
                using var doc = JsonDocument.Parse(candidate);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    why = null;
                    return doc.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
            }
        }
        why = reply.Trim().Length == 0 ? "empty reply" : "no JSON object in the reply";
        return null;
    }

    /// <summary>A non-empty string field, else null.</summary>
    public static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() is { } s && s.Trim().Length > 0 ? s.Trim() : null,
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static IEnumerable<string> Candidates(string reply)
    {
        string t = reply.Trim();
        yield return t;
        var fence = Fence().Match(t);
        if (fence.Success)
        {
            yield return fence.Groups[1].Value;
        }
        int open = t.IndexOf('{'), close = t.LastIndexOf('}');
        if (open >= 0 && close > open)
        {
            yield return t[open..(close + 1)];
        }
    }

    /// <summary>The numbers written in a text (thousands separators allowed), as decimals.</summary>
    public static List<decimal> Numbers(string text)
    {
        var list = new List<decimal>();
        foreach (Match m in Number().Matches(text))
        {
            if (decimal.TryParse(m.Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.NumberStyles.Number,
                System.Globalization.CultureInfo.InvariantCulture, out decimal d))
            {
                list.Add(d);
            }
        }
        return list;
    }

    [GeneratedRegex(@"```(?:json)?\s*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
