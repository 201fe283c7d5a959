using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Sift.Grading.Compat;

/// <summary>Python semantics the ZG harness depends on: <c>float()</c>, <c>int()</c>, <c>math.isclose</c>, <c>str(float)</c>.</summary>
internal static partial class PyCompat
{
    [GeneratedRegex(@"^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$")]
    private static partial Regex FloatGrammar();

    [GeneratedRegex(@"^[+-]?\d(?:_?\d)*$")]
    private static partial Regex IntGrammar();

    [GeneratedRegex(@"^[+-]?(?:inf|infinity|nan)$", RegexOptions.IgnoreCase)]
    private static partial Regex Special();

    /// <summary>Python <c>float(s)</c>: false where Python raises ValueError.</summary>
    public static bool TryFloat(string s, out double value)
    {
        value = 0;
        var t = AsciiDigits(s.Trim());
        if (Special().IsMatch(t))
        {
            var neg = t.StartsWith('-');
            var body = t.TrimStart('+', '-').ToLowerInvariant();
            value = body == "nan" ? double.NaN : neg ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (!FloatGrammar().IsMatch(t))
        {
            return false;
        }

        return double.TryParse(t.Replace("_", string.Empty), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Python <c>int(s)</c> for strings.</summary>
    public static bool TryInt(string s, out BigInteger value)
    {
        value = BigInteger.Zero;
        var t = AsciiDigits(s.Trim());
        return IntGrammar().IsMatch(t) && BigInteger.TryParse(t.Replace("_", string.Empty), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Python <c>math.isclose(a, b, rel_tol)</c> with abs_tol 0.</summary>
    public static bool IsClose(double a, double b, double relTol)
    {
        if (a == b)
        {
            return true;
        }

        if (double.IsInfinity(a) || double.IsInfinity(b) || double.IsNaN(a) || double.IsNaN(b))
        {
            return false;
        }

        var diff = Math.Abs(a - b);
        return diff <= relTol * Math.Max(Math.Abs(a), Math.Abs(b));
    }

    /// <summary>Python's <c>str.isdigit</c> restricted to what <c>int()</c> accepts (Unicode Nd).</summary>
    public static bool IsDecimalDigits(string s) => s.Length > 0 && s.All(char.IsDigit);

    /// <summary>Maps Unicode decimal digits (Nd) to ASCII so .NET parsers accept what Python accepts.</summary>
    public static string AsciiDigits(string s)
    {
        if (s.All(c => c < 128))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            sb.Append(c >= 128 && char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c);
        }

        return sb.ToString();
    }

    /// <summary>Python <c>repr(float)</c>/<c>str(float)</c> for finite values (shortest round-trip, ".0" for integers).</summary>
    public static string FloatToString(double v)
    {
        if (double.IsNaN(v))
        {
            return "nan";
        }

        if (double.IsInfinity(v))
        {
            return v > 0 ? "inf" : "-inf";
        }

        var r = v.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // Python: 1e-05, 1e+16.
            var parts = r.Split('E');
            var exp = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return parts[0] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
        }

        return r.Contains('.') ? r : r + ".0";
    }
}
