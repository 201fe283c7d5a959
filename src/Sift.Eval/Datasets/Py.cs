using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Eval.Datasets;

/// <summary>
/// The few Python behaviours the harness's dataset code relies on (<c>str()</c> of JSON values, <c>str.strip()</c>),
/// so questions and gold answers come out byte-identical to ZubinGou/math-evaluation-harness.
/// </summary>
internal static class Py
{
    /// <summary>Python <c>str.strip()</c>: removes leading and trailing whitespace as <c>str.isspace</c> defines it.</summary>
    public static string Strip(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsSpace(s[a]))
        {
            a++;
        }
        while (b > a && IsSpace(s[b - 1]))
        {
            b--;
        }
        return s[a..b];
    }

    /// <summary>Python <c>str.isspace</c> for one character (Unicode White_Space plus the ASCII separators 0x1C–0x1F).</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>
    /// Python <c>str(json.loads(value))</c>: strings as they are, integers as digits, floats as Python's shortest
    /// <c>repr</c> (<c>43.0</c>, <c>1e-05</c>), <c>True</c>/<c>False</c>/<c>None</c>.
    /// </summary>
    public static string Str(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "None";
            case JsonValue v when v.TryGetValue(out string? s):
                return s;
            case JsonValue v when v.TryGetValue(out bool b):
                return b ? "True" : "False";
            case JsonValue v when v.TryGetValue(out JsonElement e) && e.ValueKind == JsonValueKind.Number:
                return NumberText(e.GetRawText());
            case JsonValue v:
                return NumberText(v.ToJsonString());
            default:
                return node.ToJsonString();
        }
    }

    /// <summary>Python's <c>str()</c> of a JSON number token: integers keep all digits, other numbers become floats.</summary>
    public static string NumberText(string raw)
    {
        if (raw.IndexOfAny(['.', 'e', 'E']) < 0 && BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            return big.ToString(CultureInfo.InvariantCulture);
        }
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? FloatRepr(d) : raw;
    }

    /// <summary>
    /// Python <c>repr(float)</c>: the shortest digits that round-trip, in fixed notation when the decimal exponent
    /// is in (-4, 16] (with ".0" for integers), otherwise <c>d.ddde±XX</c>.
    /// </summary>
    public static string FloatRepr(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0)
        {
            return double.IsNegative(v) ? "-0.0" : "0.0";
        }
        // .NET's "R" is the shortest round-trip form; re-read it as digits × 10^(decpt - len).
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        int exp = 0;
        int e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        int dot = r.IndexOf('.');
        string digits = dot < 0 ? r : r.Remove(dot, 1);
        int decpt = (dot < 0 ? r.Length : dot) + exp;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }
        digits = digits[lead..];
        decpt -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        string sign = v < 0 ? "-" : "";
        if (decpt <= -4 || decpt > 16)
        {
            string mant = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            int x = decpt - 1;
            return sign + mant + "e" + (x < 0 ? "-" : "+") + Math.Abs(x).ToString("00", CultureInfo.InvariantCulture);
        }
        if (decpt <= 0)
        {
            return sign + "0." + new string('0', -decpt) + digits;
        }
        if (decpt >= digits.Length)
        {
            return sign + digits + new string('0', decpt - digits.Length) + ".0";
        }
        return sign + digits[..decpt] + "." + digits[decpt..];
    }
}
