using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Sift.Grading.Compat;

namespace Sift.Grading.Tests;

/// <summary>
/// <c>strip_string</c> skips a unit regex only where it provably cannot match; the reference runs every regex, as ZG
/// does. The two must agree on everything: unit-heavy random strings, arbitrary Unicode, and the real answers.
/// </summary>
public sealed class StripStringFastPathTests
{
    // Units (with their plural "s"), the characters around which \W boundaries matter, and LaTeX around them.
    private static readonly string[] Pieces =
    [
        "t", "a", "h", "o", "s", "m", "c", "g", "d", "l", "cm", "km", "mm", "sq", "sq m", "sq . m", "cu . m", "q .", "p . m", "a . m",
        "rs .", "s .", "° f", "π r 2", "∏ cm ³", "v â € ™", "m east", " m east", "profit of rs", "no change", "inches", "feet", "degree",
        "degrees", "east", "ab", "bc", "per", "are", "more", "unit", "units", "cm 2", "pi sq m", "Surface", "and", "men", "women",
        " ", ".", ",", "_", "-", "(", ")", "{", "}", "\\", "\\text{", "\\frac", "\\mbox{", "^\\circ", "$", "%", "1", "2.0", "x=", "é", "²", "\n",
    ];

    private static Arbitrary<string> UnitHeavy() => Gen.Elements(Pieces).ListOf().Select(l => string.Concat(l)).ToArbitrary();

    [Fact]
    public void FastPathEqualsReferenceOnUnitHeavyStrings() =>
        Prop.ForAll(UnitHeavy(), s => ZgNormalizer.StripString(s) == ZgNormalizer.StripStringReference(s))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(1000));

    [Fact]
    public void FastPathEqualsReferenceOnArbitraryUnicode() =>
        Prop.ForAll<string>(s => ZgNormalizer.StripString(s ?? "") == ZgNormalizer.StripStringReference(s ?? ""))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(500));

    [Fact]
    public void FastPathEqualsReferenceOnRealAnswers()
    {
        var inputs = new List<string>();
        if (SharedData.File("data", "math500", "test.jsonl") is string math500)
        {
            inputs.AddRange(File.ReadLines(math500).Where(l => l.Trim().Length > 0)
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("answer").GetString()!));
        }

        if (SharedData.File("data", "qwen_rm_maj_example", "math_cot_100.jsonl") is string fixture)
        {
            foreach (var line in File.ReadLines(fixture).Where(l => l.Trim().Length > 0))
            {
                foreach (var code in JsonDocument.Parse(line).RootElement.GetProperty("code").EnumerateArray())
                {
                    inputs.Add(ZgExtractor.ExtractAnswer(code.GetString()!, false));
                }
            }
        }

        // Always-present hand cases where unit deletion does fire (the spec's §2.5 hazards among them).
        inputs.AddRange(["864 \\mbox{ inches}^2", "1 \\pm \\sqrt{19}", "\\text{east}", "(a+5)(b+2)", "5 cm", "a . m", "10 sq . m", "q . s", "3 hours and 5 min"]);
        foreach (var s in inputs)
        {
            var once = ZgNormalizer.StripString(s);
            Assert.Equal(ZgNormalizer.StripStringReference(s), once);
            Assert.Equal(ZgNormalizer.StripStringReference(once), ZgNormalizer.StripString(once));
        }
    }
}
