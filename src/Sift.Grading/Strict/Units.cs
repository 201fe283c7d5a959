using System.Text.RegularExpressions;

namespace Sift.Grading.Strict;

/// <summary>
/// The trailing unit of an answer, reduced to one name per unit (<c>\text{ cm}</c>, <c>centimeters</c> → cm; hrs,
/// hours → h; <c>\text{ cm}^2</c> → cm^2). Convention (strict): a unit on one side only is ignored (5 ≡ 5 cm); units
/// on both sides must name the same unit (5 km ≢ 5 m). No conversion: 12 inches ≢ 1 foot.
/// </summary>
internal static partial class Units
{
    private static readonly Dictionary<string, string> Synonyms = new(StringComparer.Ordinal)
    {
        ["centimeter"] = "cm",
        ["centimetre"] = "cm",
        ["meter"] = "m",
        ["metre"] = "m",
        ["kilometer"] = "km",
        ["kilometre"] = "km",
        ["millimeter"] = "mm",
        ["millimetre"] = "mm",
        ["inch"] = "in",
        ["inche"] = "in",
        ["foot"] = "ft",
        ["feet"] = "ft",
        ["yard"] = "yd",
        ["mile"] = "mi",
        ["hour"] = "h",
        ["hr"] = "h",
        ["minute"] = "min",
        ["second"] = "s",
        ["sec"] = "s",
        ["year"] = "yr",
        ["gram"] = "g",
        ["kilogram"] = "kg",
        ["pound"] = "lb",
        ["ounce"] = "oz",
        ["liter"] = "l",
        ["litre"] = "l",
        ["milliliter"] = "ml",
        ["millilitre"] = "ml",
        ["degree"] = "deg",
        ["dollar"] = "$",
        ["squareunit"] = "unit^2",
        ["squnit"] = "unit^2",
        ["cubicunit"] = "unit^3",
    };

    [GeneratedRegex(@"\\[A-Za-z]+|[{}\s]")]
    private static partial Regex Markup();

    /// <summary>One name per unit: markup and plural s removed, synonyms mapped, the power kept as ^2 / ^3.</summary>
    public static string Canonical(string unit)
    {
        var u = Markup().Replace(unit, string.Empty).ToLowerInvariant().Replace("²", "^2", StringComparison.Ordinal).Replace("³", "^3", StringComparison.Ordinal);
        var power = string.Empty;
        var caret = u.IndexOf('^');
        if (caret >= 0)
        {
            power = u[caret..];
            u = u[..caret];
        }

        if (u.Length > 3 && u.EndsWith('s'))
        {
            u = u[..^1];
        }

        if (u is "hrs" or "mins" or "secs" or "lbs" or "yrs")
        {
            u = u[..^1];
        }

        return (Synonyms.TryGetValue(u, out var name) ? name : u) + power;
    }
}
