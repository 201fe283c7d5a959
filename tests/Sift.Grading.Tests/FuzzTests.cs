using FsCheck;
using FsCheck.Fluent;
using Sift.Grading.Parsing;

namespace Sift.Grading.Tests;

/// <summary>Random LaTeX-ish strings: the parser only ever throws <see cref="ParseException"/>; the grader never throws.</summary>
public sealed class FuzzTests
{
    private static readonly string[] Pieces =
    [
        "\\frac", "\\dfrac", "\\sqrt", "[3]", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "\\left(", "\\right)", "^", "_", "!",
        "1", "2", "0", "10", "3.5", ".", ",", ";", ":", "=", "<", "\\le", "\\ge", "\\pm", "+", "-", "*", "/", "\\cdot", "x", "y",
        "e", "i", "\\pi", "\\infty", "\\sin", "\\log", "ln", "\\text{", "cm", "\\%", "%", "$", "\\$", "\\boxed{", "\\begin{pmatrix}",
        "\\end{pmatrix}", "&", "\\\\", "|", "\\cup", "\\in", " ", "and", "\\sum_{k=0}^{n}", "2^{2^{2^{10}}}", "!", "'", "\\mathbb{R}",
        "\\binom", "99999!", "\\approx", "\\ne", "E5", "^\\circ", "\\\\frac", "\\mbox{", "\\,", "\\!", "\\lfloor", "\\rfloor", "é", "²",
    ];

    private static Arbitrary<string> LatexLike() =>
        Gen.Elements(Pieces).ListOf().Select(l => string.Concat(l)).ToArbitrary();

    [Fact]
    public void ParserOnlyThrowsParseException()
    {
        Prop.ForAll(LatexLike(), s =>
        {
            try
            {
                MathParser.Parse(s, new Budget(TimeSpan.FromSeconds(2)));
            }
            catch (ParseException)
            {
            }
            catch (GradeTimeoutException)
            {
            }

            MathParser.ParsePrefix(s, new Budget(TimeSpan.FromSeconds(2)));
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void ParserSurvivesArbitraryUnicode()
    {
        Prop.ForAll<string>(s =>
        {
            try
            {
                MathParser.Parse(s ?? string.Empty);
            }
            catch (ParseException)
            {
            }

            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void GraderNeverThrowsAndNeverHitsTheSafetyNet()
    {
        var options = GradeOptions.Default with { Budget = TimeSpan.FromMilliseconds(500) };
        Prop.ForAll(LatexLike(), LatexLike(), (g, p) =>
        {
            var strict = Grader.Grade(g, p, GradeMode.Strict, options);
            var compat = Grader.Grade(g, p, GradeMode.Compat, options);
            var self = Grader.Grade(g, g, GradeMode.Strict, options);
            return !strict.Rule.StartsWith("internal-error", StringComparison.Ordinal)
                && !compat.Rule.StartsWith("internal-error", StringComparison.Ordinal)
                && (self.Equal || self.TimedOut || self.NormalizedPrediction.Length == 0);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void DeepNestingIsAParseErrorNotAStackOverflow()
    {
        var deep = new string('(', 3000) + "1" + new string(')', 3000);
        Assert.Throws<ParseException>(() => MathParser.Parse(deep));
        var braces = string.Concat(Enumerable.Repeat("\\frac{1}{", 500)) + "2" + new string('}', 500);
        Assert.Throws<ParseException>(() => MathParser.Parse(braces));
        Assert.Throws<ParseException>(() => MathParser.Parse(new string('1', MathParser.MaxLength + 1)));
        var r = Grader.Grade(deep, deep + "+1");
        Assert.False(r.Equal);
    }
}
