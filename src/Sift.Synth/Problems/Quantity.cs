using System.Globalization;

namespace Sift.Synth.Problems;

/// <summary>Thrown inside a template when a draw gives an unclean step (non-integer, negative, too large); the draw is repeated.</summary>
internal sealed class RejectDraw : Exception
{
    public static readonly RejectDraw Instance = new();
}

/// <summary>
/// An exact quantity in a worked solution: an integer count, or money in cents. <see cref="Wrong"/> marks a
/// value that follows from a deliberately wrong step (it is printed with the wrong-number label).
/// </summary>
internal readonly record struct Quantity(long Raw, bool Money, bool Wrong = false)
{
    /// <summary>Largest magnitude any step may produce (keeps numbers word-problem sized).</summary>
    public const long Limit = 1_000_000_000;

    /// <summary>As written in text: "48", "$12", "$7.50".</summary>
    public string Text => Money ? "$" + Plain : Plain;

    /// <summary>Without a currency sign: "48", "12", "7.50" (the form used after "####").</summary>
    public string Plain => Money
        ? Raw % 100 == 0 ? (Raw / 100).ToString(CultureInfo.InvariantCulture) : (Raw / 100).ToString(CultureInfo.InvariantCulture) + "." + (Raw % 100).ToString("D2", CultureInfo.InvariantCulture)
        : Raw.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value as a decimal (dollars for money).</summary>
    public decimal Value => Money ? Raw / 100m : Raw;

    /// <summary>Applies a binary operation exactly; rejects the draw when the result is not clean.</summary>
    public static Quantity Apply(Quantity a, char op, Quantity b)
    {
        bool wrong = a.Wrong || b.Wrong;
        long r;
        bool money;
        try
        {
            checked
            {
                switch (op)
                {
                    case '+':
                    case '-':
                        if (a.Money != b.Money)
                        {
                            throw new InvalidOperationException($"cannot {op} money and a count");
                        }
                        r = op == '+' ? a.Raw + b.Raw : a.Raw - b.Raw;
                        money = a.Money;
                        break;
                    case '*':
                        if (a.Money && b.Money)
                        {
                            throw new InvalidOperationException("cannot multiply money by money");
                        }
                        r = a.Raw * b.Raw;
                        money = a.Money || b.Money;
                        break;
                    case '/':
                        if (!a.Money && b.Money)
                        {
                            throw new InvalidOperationException("cannot divide a count by money");
                        }
                        if (b.Raw == 0 || a.Raw % b.Raw != 0)
                        {
                            throw RejectDraw.Instance;
                        }
                        r = a.Raw / b.Raw;
                        money = a.Money && !b.Money;
                        break;
                    default:
                        throw new InvalidOperationException($"unknown operator '{op}'");
                }
            }
        }
        catch (OverflowException)
        {
            throw RejectDraw.Instance;
        }
        if (r < 0 || r > Limit)
        {
            throw RejectDraw.Instance;
        }
        return new Quantity(r, money, wrong);
    }
}
