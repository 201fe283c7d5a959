using Sift.Core.Random;

namespace Sift.Curation.Mutation;

/// <summary>
/// New values for linked numbers. Each linked number changes with probability 1/2 (at least one changes); a new value
/// keeps the number's decimals and is drawn uniformly from [max(2 units, half), max(twice, the value + 8 units)]
/// in units of its last decimal, never equal to the old value, and at most 100 for a percentage.
/// </summary>
internal static class NumberDraw
{
    public static Dictionary<decimal, decimal> Draw(IReadOnlyList<LinkedNumber> linked, Rng rng)
    {
        var change = new Dictionary<decimal, decimal>();
        if (linked.Count == 0)
        {
            return change;
        }
        int forced = rng.NextInt(linked.Count);
        for (int i = 0; i < linked.Count; i++)
        {
            bool pick = rng.NextInt(2) == 0;
            if (pick || i == forced)
            {
                change[linked[i].Value] = NewValue(linked[i], rng);
            }
        }
        return change;
    }

    public static decimal NewValue(LinkedNumber n, Rng rng)
    {
        decimal unit = 1m;
        for (int d = 0; d < n.Decimals; d++)
        {
            unit /= 10;
        }
        decimal units = Math.Round(n.Value / unit);
        decimal lo = Math.Max(2, Math.Floor(units / 2)), hi = Math.Min(Math.Max(units * 2, units + 8), 1e15m);
        if (n.Percent)
        {
            hi = Math.Min(hi, 100 / unit);
            lo = Math.Min(lo, hi - 1);
        }
        long span = (long)(hi - lo) + 1;
        decimal v;
        do
        {
            v = lo + (decimal)rng.NextBelow((ulong)span);
        }
        while (v == units);
        return v * unit;
    }
}
