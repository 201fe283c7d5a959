using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Sift.Eval.Datasets;

namespace Sift.Eval.Tests;

public sealed class PyTests
{
    // (Python repr, float.hex) pairs produced by CPython 3.
    [Theory]
    [InlineData("43.0", 43.0)]
    [InlineData("3244047.0999999996", 3244047.0999999996)]
    [InlineData("1e-05", 1e-05)]
    [InlineData("1e+16", 1e16)]
    [InlineData("1000000000000000.0", 1e15)]
    [InlineData("0.0016791648", 0.0016791648)]
    [InlineData("1.2345678901234568e+17", 123456789012345678.0)]
    [InlineData("-0.5", -0.5)]
    [InlineData("0.0001", 0.0001)]
    [InlineData("0.00012345", 0.00012345)]
    [InlineData("14053029.666666666", 14053029.666666666)]
    [InlineData("0.3333333333333333", 1.0 / 3)]
    [InlineData("6.666666666666665e-08", 2.0 / 3 * 1e-7)]
    [InlineData("5e-324", 5e-324)]
    [InlineData("1.7976931348623157e+308", 1.7976931348623157e308)]
    [InlineData("0.30000000000000004", 0.1 + 0.2)]
    [InlineData("-1e+22", -1e22)]
    [InlineData("1.2345678901234568e+16", 12345678901234567.0)]
    [InlineData("1234567890123456.8", 1234567890123456.7)]
    public void FloatRepr_MatchesCPython(string expected, double value) => Assert.Equal(expected, Py.FloatRepr(value));

    [Fact]
    public void FloatRepr_RoundTrips() =>
        Prop.ForAll(ArbMap.Default.ArbFor<NormalFloat>(), f =>
        {
            string s = Py.FloatRepr(f.Get);
            return double.Parse(s, CultureInfo.InvariantCulture) == f.Get && (s.Contains('.') || s.Contains('e'));
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("145", "145")]
    [InlineData("-0", "0")]
    [InlineData("145.0", "145.0")]
    [InlineData("1E-5", "1e-05")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    public void NumberText_IsPythonStr(string raw, string expected) => Assert.Equal(expected, Py.NumberText(raw));

    [Fact]
    public void Strip_IsPythonStrip() => Assert.Equal("a b", Py.Strip("\u001f\t a b \u3000\n"));
}
