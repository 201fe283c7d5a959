using System.Globalization;

namespace Sift.Core.Text;

/// <summary>The one count parser: "6000000", "6_000_000", "6M", "250k", "1.5g" (k = 10³, m = 10⁶, g = 10⁹, any case).</summary>
public static class Count
{
    /// <summary>Parses a non-negative count; <paramref name="what"/> names the option or key in the error.</summary>
    public static long Parse(string s, string what)
    {
        string t = s.Trim().Replace("_", "", StringComparison.Ordinal);
        double mult = 1;
        if (t.Length > 0 && char.ToLowerInvariant(t[^1]) is 'k' or 'm' or 'g')
        {
            mult = char.ToLowerInvariant(t[^1]) switch { 'k' => 1e3, 'm' => 1e6, _ => 1e9 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || !double.IsFinite(v) || v * mult > long.MaxValue / 2
            || (mult == 1 && v != Math.Floor(v)))
        {
            throw new SiftException($"{what} '{s}': expected a non-negative count such as 6000000, 6M or 250k");
        }
        return (long)Math.Round(v * mult);
    }
}
