using System.Globalization;
using Sift.Core.Text;

namespace Sift.Pipelines.Config;

/// <summary>How a setting's text becomes a typed value and back: the range or choices it accepts, and its canonical text.</summary>
/// <typeparam name="TValue">The value's type.</typeparam>
internal abstract class ValueKind<TValue>
{
    /// <summary>What the kind accepts, for help and errors ("an integer in [1, 65536]").</summary>
    public abstract string Domain { get; }

    /// <summary>Parses and checks <paramref name="raw"/>; the returned message (null when valid) says what was expected.</summary>
    public abstract bool TryParse(string raw, out TValue value, out string? error);

    /// <summary>Canonical text of a value (what recipe.resolved.yaml shows for values the user did not give).</summary>
    public abstract string Format(TValue value);
}

/// <summary>The kinds the recipe and demo tables use.</summary>
internal static class Kinds
{
    public static ValueKind<int> Int(int min = int.MinValue, int max = int.MaxValue) => new IntKind(min, max);

    public static ValueKind<long> Long(long min = long.MinValue, long max = long.MaxValue) => new LongKind(min, max);

    /// <summary>A non-negative count with k/m/g suffixes (<see cref="Count"/>).</summary>
    public static ValueKind<long> Count(long min = 0) => new CountKind(min);

    public static ValueKind<double> Double(double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool openMin = false) => new DoubleKind(min, max, openMin);

    public static ValueKind<bool> Bool { get; } = new BoolKind();

    public static ValueKind<string> Text { get; } = new TextKind();

    public static ValueKind<string> Choice(params string[] allowed) => new ChoiceKind(() => allowed);

    /// <summary>Choices read when used (a registry that tests may extend).</summary>
    public static ValueKind<string> Choice(Func<IReadOnlyList<string>> allowed) => new ChoiceKind(allowed);

    /// <summary>The nullable form of a kind: "null", "~" or "" clear it.</summary>
    public static ValueKind<TValue?> Optional<TValue>(ValueKind<TValue> inner) where TValue : struct => new OptionalKind<TValue>(inner);

    /// <summary>Shortest text that reads back to the same double ("0.003", "1e-08").</summary>
    public static string Number(double v)
    {
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        string g = v.ToString("G12", CultureInfo.InvariantCulture);
        string best = g.Length < s.Length && double.Parse(g, CultureInfo.InvariantCulture) == v ? g : s;
        // Values derived by arithmetic (lr / 10) round-trip only at 17 digits; their 12-digit form is what a person wrote.
        if (best.Length > 14)
        {
            best = g;
        }
        return best.Replace("E", "e", StringComparison.Ordinal);
    }

    private sealed class IntKind(int min, int max) : ValueKind<int>
    {
        public override string Domain => $"an integer in [{min}, {(max == int.MaxValue ? "∞" : max)}]";

        public override bool TryParse(string raw, out int value, out string? error)
        {
            var inner = new LongKind(min, max);
            bool ok = inner.TryParse(raw, out long v, out error);
            value = ok ? (int)v : 0;
            return ok;
        }

        public override string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class LongKind(long min, long max) : ValueKind<long>
    {
        public override string Domain => $"an integer in [{min}, {(max == long.MaxValue ? "∞" : max)}]";

        public override bool TryParse(string raw, out long value, out string? error)
        {
            string clean = raw.Replace("_", "", StringComparison.Ordinal);
            error = null;
            if (!long.TryParse(clean, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
            {
                // 1e3 and 1000.0 are integers too.
                if (double.TryParse(clean, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e18)
                {
                    value = (long)d;
                }
                else
                {
                    error = $"expected an integer, got '{raw}'";
                    return false;
                }
            }
            if (value < min || value > max)
            {
                error = $"expected {Domain}, got {value}";
                return false;
            }
            return true;
        }

        public override string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class CountKind(long min) : ValueKind<long>
    {
        public override string Domain => min > 0 ? $"a count ≥ {min} (600000, 600k, 6M)" : "a count (600000, 600k, 6M)";

        public override bool TryParse(string raw, out long value, out string? error)
        {
            error = null;
            try
            {
                value = Core.Text.Count.Parse(raw, "value");
            }
            catch (Core.SiftException)
            {
                value = 0;
                error = $"expected a count such as 600000, 600k or 6M, got '{raw}'";
                return false;
            }
            if (value < min)
            {
                error = $"expected {Domain}, got {value}";
                return false;
            }
            return true;
        }

        public override string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class DoubleKind(double min, double max, bool openMin) : ValueKind<double>
    {
        public override string Domain => $"a number in {(openMin ? "(" : "[")}{Number(min)}, {Number(max)}]".Replace("Infinity", "∞", StringComparison.Ordinal);

        public override bool TryParse(string raw, out double value, out string? error)
        {
            error = null;
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
            {
                error = $"expected a number, got '{raw}'";
                return false;
            }
            if (value < min || value > max || (openMin && value == min))
            {
                error = $"expected {Domain}, got {Number(value)}";
                return false;
            }
            return true;
        }

        public override string Format(double value) => Number(value);
    }

    private sealed class BoolKind : ValueKind<bool>
    {
        public override string Domain => "true or false";

        public override bool TryParse(string raw, out bool value, out string? error)
        {
            error = null;
            switch (raw.ToLowerInvariant())
            {
                case "true" or "yes" or "on" or "1":
                    value = true;
                    return true;
                case "false" or "no" or "off" or "0":
                    value = false;
                    return true;
                default:
                    value = false;
                    error = $"expected true or false, got '{raw}'";
                    return false;
            }
        }

        public override string Format(bool value) => value ? "true" : "false";
    }

    private sealed class TextKind : ValueKind<string>
    {
        public override string Domain => "text";

        public override bool TryParse(string raw, out string value, out string? error)
        {
            value = raw;
            error = null;
            return true;
        }

        public override string Format(string value) => value;
    }

    private sealed class ChoiceKind(Func<IReadOnlyList<string>> allowed) : ValueKind<string>
    {
        public override string Domain => "one of " + string.Join(", ", allowed());

        public override bool TryParse(string raw, out string value, out string? error)
        {
            value = raw;
            error = allowed().Contains(raw, StringComparer.Ordinal) ? null : $"expected {Domain}, got '{raw}'";
            return error is null;
        }

        public override string Format(string value) => value;
    }

    private sealed class OptionalKind<TValue>(ValueKind<TValue> inner) : ValueKind<TValue?> where TValue : struct
    {
        public override string Domain => inner.Domain + " (or null)";

        public override bool TryParse(string raw, out TValue? value, out string? error)
        {
            value = null;
            error = null;
            if (raw.Length == 0 || raw is "null" or "~")
            {
                return true;
            }
            bool ok = inner.TryParse(raw, out TValue v, out error);
            value = ok ? v : null;
            return ok;
        }

        public override string Format(TValue? value) => value is TValue v ? inner.Format(v) : "null";
    }
}
