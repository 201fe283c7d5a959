using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Sift.Grading.Numerics;

namespace Sift.Grading.Tests;

/// <summary>Exact rational arithmetic.</summary>
public sealed class RationalTests
{
    [Fact]
    public void NormalisesSignAndGcd()
    {
        var r = new Rational(6, -8);
        Assert.Equal(new BigInteger(-3), r.Num);
        Assert.Equal(new BigInteger(4), r.Den);
        Assert.Equal("-3/4", r.ToString());
        Assert.Throws<DivideByZeroException>(() => new Rational(1, 0));
    }

    [Fact]
    public void ParsesDecimalsExactly()
    {
        Assert.True(Rational.TryParseDecimal("-12.50", out var a));
        Assert.Equal(new Rational(-25, 2), a);
        Assert.True(Rational.TryParseDecimal(".5e1", out var b));
        Assert.Equal(new Rational(5), b);
        Assert.False(Rational.TryParseDecimal("1.2.3", out _));
    }

    [Fact]
    public void RootsOnlyWhenExact()
    {
        Assert.Equal(new Rational(2, 3), Rational.TryRoot(new Rational(8, 27), 3));
        Assert.Equal(new Rational(-2), Rational.TryRoot(new Rational(-8), 3));
        Assert.Null(Rational.TryRoot(new Rational(2), 2));
        Assert.Null(Rational.TryRoot(new Rational(-4), 2));
    }

    [Fact]
    public void RoundsHalfToEven()
    {
        Assert.Equal(new Rational(2), new Rational(5, 2).RoundDecimals(0));
        Assert.Equal(new Rational(4), new Rational(7, 2).RoundDecimals(0));
        Assert.Equal(new Rational(-2), new Rational(-5, 2).RoundDecimals(0));
        Assert.Equal(new Rational(333, 1000), new Rational(1, 3).RoundDecimals(3));
    }

    [Fact]
    public void ArithmeticMatchesIntegerIdentities()
    {
        Prop.ForAll<(int A, int B), (int C, int D)>((p, q) =>
        {
            var (a, b) = p;
            var (c, d) = q;
            if (b == 0 || d == 0)
            {
                return true;
            }

            var x = new Rational(a, b);
            var y = new Rational(c, d);
            return (x + y) - y == x && (y.IsZero || (x * y) / y == x) && Rational.FromDouble(x.ToDouble()).ToDouble() == x.ToDouble();
        }).QuickCheckThrowOnFailure();
    }
}
