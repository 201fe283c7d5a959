using System.Globalization;
using System.Numerics;

namespace Sift.Grading.Numerics;

/// <summary>An exact rational number: BigInteger numerator over a positive BigInteger denominator, always reduced.</summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    /// <summary>Numerator (carries the sign).</summary>
    public BigInteger Num { get; }

    /// <summary>Denominator (always &gt; 0).</summary>
    public BigInteger Den { get; }

    /// <summary>Zero.</summary>
    public static readonly Rational Zero = new(BigInteger.Zero);

    /// <summary>One.</summary>
    public static readonly Rational One = new(BigInteger.One);

    /// <summary>Creates an integer rational.</summary>
    public Rational(BigInteger n)
    {
        Num = n;
        Den = BigInteger.One;
    }

    /// <summary>Creates n/d, reduced; throws <see cref="DivideByZeroException"/> when d is zero.</summary>
    public Rational(BigInteger n, BigInteger d)
    {
        if (d.IsZero)
        {
            throw new DivideByZeroException();
        }

        if (d.Sign < 0)
        {
            n = -n;
            d = -d;
        }

        var g = BigInteger.GreatestCommonDivisor(n, d);
        if (!g.IsOne && !g.IsZero)
        {
            n /= g;
            d /= g;
        }

        Num = n;
        Den = n.IsZero ? BigInteger.One : d;
    }

    /// <summary>True when the value is an integer.</summary>
    public bool IsInteger => Den.IsOne;

    /// <summary>True when the value is zero.</summary>
    public bool IsZero => Num.IsZero;

    /// <summary>Sign: -1, 0 or 1.</summary>
    public int Sign => Num.Sign;

    /// <summary>Approximate size in bits of numerator plus denominator (used to cap runaway arithmetic).</summary>
    public long Bits => (long)Num.GetBitLength() + (long)Den.GetBitLength();

    /// <summary>Sum.</summary>
    public static Rational operator +(Rational a, Rational b) =>
        a.Den == b.Den ? new Rational(a.Num + b.Num, a.Den) : new Rational(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);

    /// <summary>Difference.</summary>
    public static Rational operator -(Rational a, Rational b) => a + (-b);

    /// <summary>Negation.</summary>
    public static Rational operator -(Rational a) => new(-a.Num, a.Den);

    /// <summary>Product.</summary>
    public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);

    /// <summary>Quotient; throws <see cref="DivideByZeroException"/> for a zero divisor.</summary>
    public static Rational operator /(Rational a, Rational b) => new(a.Num * b.Den, a.Den * b.Num);

    /// <summary>Equality.</summary>
    public static bool operator ==(Rational a, Rational b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);

    /// <summary>Less than.</summary>
    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;

    /// <summary>Greater than.</summary>
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;

    /// <summary>Less or equal.</summary>
    public static bool operator <=(Rational a, Rational b) => a.CompareTo(b) <= 0;

    /// <summary>Greater or equal.</summary>
    public static bool operator >=(Rational a, Rational b) => a.CompareTo(b) >= 0;

    /// <summary>Integer power (negative exponents invert).</summary>
    public static Rational Pow(Rational a, int e)
    {
        if (e == 0)
        {
            return One;
        }

        if (e < 0)
        {
            return One / Pow(a, -e);
        }

        return new Rational(BigInteger.Pow(a.Num, e), BigInteger.Pow(a.Den, e));
    }

    /// <summary>Exact k-th root when both numerator and denominator are perfect k-th powers; otherwise null.</summary>
    public static Rational? TryRoot(Rational a, int k)
    {
        if (k <= 0)
        {
            return null;
        }

        if (k == 1)
        {
            return a;
        }

        if (a.Sign < 0)
        {
            if (k % 2 == 0)
            {
                return null;
            }

            var r = TryRoot(-a, k);
            return r is null ? null : -r.Value;
        }

        var n = IntegerRoot(a.Num, k);
        var d = IntegerRoot(a.Den, k);
        if (n is null || d is null)
        {
            return null;
        }

        return new Rational(n.Value, d.Value);
    }

    /// <summary>Exact non-negative integer k-th root, or null when x is not a perfect power.</summary>
    public static BigInteger? IntegerRoot(BigInteger x, int k)
    {
        if (x.Sign < 0)
        {
            return null;
        }

        if (x < 2)
        {
            return x;
        }

        // Newton's method from a power-of-two overestimate.
        var bits = (long)x.GetBitLength();
        var r = BigInteger.One << (int)((bits + k - 1) / k);
        while (true)
        {
            var next = ((k - 1) * r + x / BigInteger.Pow(r, k - 1)) / k;
            if (next >= r)
            {
                break;
            }

            r = next;
        }

        return BigInteger.Pow(r, k) == x ? r : null;
    }

    /// <summary>Closest double (handles huge numerators/denominators without overflow where possible).</summary>
    public double ToDouble()
    {
        if (Den.IsOne)
        {
            return (double)Num;
        }

        var nb = (long)BigInteger.Abs(Num).GetBitLength();
        var db = (long)Den.GetBitLength();
        if (nb < 1000 && db < 1000)
        {
            var q = (double)Num / (double)Den;
            if (double.IsFinite(q) && q != 0)
            {
                return q;
            }
        }

        // Scale to keep ~64 significant bits, then apply the binary exponent.
        var shift = nb - db - 64;
        var scaledNum = shift < 0 ? Num << (int)Math.Min(-shift, int.MaxValue) : Num;
        var scaledDen = shift > 0 ? Den << (int)Math.Min(shift, int.MaxValue) : Den;
        var mant = (double)(scaledNum / scaledDen);
        return Math.ScaleB(mant, (int)Math.Clamp(shift, int.MinValue, int.MaxValue));
    }

    /// <summary>Rounds half-to-even to <paramref name="decimals"/> decimal places.</summary>
    public Rational RoundDecimals(int decimals)
    {
        var scale = BigInteger.Pow(10, decimals);
        var scaled = this * new Rational(scale);
        var floor = BigInteger.Divide(scaled.Num - (scaled.Num.Sign < 0 ? scaled.Den - 1 : 0), scaled.Den);
        var frac = scaled - new Rational(floor);
        var half = new Rational(1, 2);
        var rounded = frac > half || (frac == half && !floor.IsEven) ? floor + 1 : floor;
        return new Rational(rounded, scale);
    }

    /// <summary>Parses a plain decimal literal such as <c>-12.50</c> or <c>.5</c> or <c>2.5e3</c>; returns false otherwise.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> s, out Rational value)
    {
        value = Zero;
        if (s.IsEmpty)
        {
            return false;
        }

        var neg = false;
        var i = 0;
        if (s[0] is '-' or '+')
        {
            neg = s[0] == '-';
            i = 1;
        }

        BigInteger mant = BigInteger.Zero;
        var digits = 0;
        var fracDigits = 0;
        var seenDot = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (c is >= '0' and <= '9')
            {
                mant = mant * 10 + (c - '0');
                digits++;
                if (seenDot)
                {
                    fracDigits++;
                }
            }
            else if (c == '.' && !seenDot)
            {
                seenDot = true;
            }
            else
            {
                break;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        var exp = 0;
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            if (!int.TryParse(s[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exp) || Math.Abs(exp) > 10000)
            {
                return false;
            }

            i = s.Length;
        }

        if (i != s.Length)
        {
            return false;
        }

        var e = exp - fracDigits;
        value = e >= 0 ? new Rational(mant * BigInteger.Pow(10, e)) : new Rational(mant, BigInteger.Pow(10, -e));
        if (neg)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>The exact value of a finite double; throws <see cref="ArgumentException"/> for NaN or infinity.</summary>
    public static Rational FromDouble(double v)
    {
        if (!double.IsFinite(v))
        {
            throw new ArgumentException("not finite", nameof(v));
        }

        if (v == 0)
        {
            return Zero;
        }

        var bits = BitConverter.DoubleToInt64Bits(v);
        var neg = bits < 0;
        var exp = (int)((bits >> 52) & 0x7FF);
        var mant = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0)
        {
            exp++;
        }
        else
        {
            mant |= 1L << 52;
        }

        exp -= 1075;
        var n = new BigInteger(neg ? -mant : mant);
        return exp >= 0 ? new Rational(n << exp) : new Rational(n, BigInteger.One << -exp);
    }

    /// <inheritdoc/>
    public bool Equals(Rational other) => Num == other.Num && Den == other.Den;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Num, Den);

    /// <inheritdoc/>
    public int CompareTo(Rational other) => (Num * other.Den).CompareTo(other.Num * Den);

    /// <summary>"n" or "n/d".</summary>
    public override string ToString() => Den.IsOne ? Num.ToString(CultureInfo.InvariantCulture) : $"{Num}/{Den}";
}
