using System.Numerics;
using System.Text.RegularExpressions;

namespace Sift.Grading.Strict;

/// <summary>
/// Numbers written in another base with a subscript: <c>101_2</c>, <c>2516_{8}</c>, <c>1A_{16}</c>, <c>(101)_2</c>,
/// <c>101_{(2)}</c>. Convention (strict): a gold in base b is matched by the same number in any explicit base, or by
/// the same digits with no subscript (read in base b: <c>101</c> for <c>101_2</c>); the decimal value without a
/// subscript is not (<c>5</c> does not answer "write 5 in base 2"). A prediction with a subscript against a decimal
/// gold is compared by value.
/// </summary>
internal static partial class BaseLiteral
{
    [GeneratedRegex(@"^\(?([0-9A-Za-z]+)\)?_\{?\(?(\d{1,2})\)?\}?$")]
    private static partial Regex Subscripted();

    [GeneratedRegex(@"^[0-9A-Za-z]+$")]
    private static partial Regex Bare();

    /// <summary>The digits and base of <c>digits_base</c> when the digits are valid in that base (2–36).</summary>
    public static bool TryParse(string s, out string digits, out int radix, out BigInteger value)
    {
        digits = string.Empty;
        radix = 0;
        value = BigInteger.Zero;
        var m = Subscripted().Match(s.Replace(" ", string.Empty, StringComparison.Ordinal));
        if (!m.Success || !int.TryParse(m.Groups[2].Value, out radix) || radix is < 2 or > 36)
        {
            return false;
        }

        digits = m.Groups[1].Value;
        return TryValue(digits, radix, out value);
    }

    /// <summary>The value of bare digits (0–9, A–Z case-insensitive) read in base <paramref name="radix"/>.</summary>
    public static bool TryValue(string digits, int radix, out BigInteger value)
    {
        value = BigInteger.Zero;
        if (!Bare().IsMatch(digits) || digits.Length > 200)
        {
            return false;
        }

        foreach (var c in digits)
        {
            var d = char.IsAsciiDigit(c) ? c - '0' : char.ToUpperInvariant(c) - 'A' + 10;
            if (d >= radix)
            {
                return false;
            }

            value = (value * radix) + d;
        }

        return true;
    }

    /// <summary>Decides gold/prediction pairs where either side is a base literal; null when neither is (or the rule does not apply).</summary>
    public static (bool Equal, string Rule, string Note)? Compare(string gold, string prediction)
    {
        var gBase = TryParse(gold, out _, out var gb, out var gv);
        var pBase = TryParse(prediction, out _, out var pb, out var pv);
        if (gBase && pBase)
        {
            return (gv == pv, "base-value", $"{gold} = {gv}, {prediction} = {pv} (base {gb} and base {pb})");
        }

        if (gBase && gb != 10)
        {
            var p = prediction.Replace(" ", string.Empty, StringComparison.Ordinal);
            if (TryValue(p, gb, out var read))
            {
                return (read == gv, "base-digits", $"base convention: [{p}] without a subscript is read in the gold's base {gb}");
            }

            return Bare().IsMatch(p) ? (false, "base-digits", $"base convention: [{p}] has digits that base {gb} does not have") : null;
        }

        if (pBase && BigInteger.TryParse(gold.Trim(), out var decimalGold))
        {
            return (decimalGold == pv, "base-value", $"{prediction} = {pv} in base 10");
        }

        return null;
    }
}
