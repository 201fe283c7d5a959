using FsCheck;
using FsCheck.Fluent;
using Sift.Curation.Text;

namespace Sift.Curation.Tests;

public sealed class NormalizerTests
{
    [Theory]
    [InlineData("Janet’s ducks lay 16 eggs per day.", "janet ducks lay 16 eggs per day")]
    [InlineData("She sold 1,000,000 tickets at $3.50 each; 12,345.67 in all!", "sold 1000000 tickets 3.50 12345.67")]
    [InlineData("The point (3,4) and 1,23 are not thousands.", "point 3 4 1 23 thousands")]
    [InlineData("Solve x^2+z=-7.", "solve x 2 z 7")]
    [InlineData("y is a stop word", "stop word")]
    [InlineData("Version 1.2.3 ends with a period 5.", "version 1.2 3 ends period 5")]
    [InlineData("Don't you think it's the SAME?", "think")]
    [InlineData("How many apples does Nora have?", "many apples nora")]
    [InlineData("\\frac{1}{2} of 30%", "frac 1 2 30")]
    [InlineData("Café naïve résumé", "café naïve résumé")]
    [InlineData("", "")]
    public void Tokens_FollowTheDocumentedRules(string text, string expected) =>
        Assert.Equal(expected, string.Join(' ', TextNormalizer.Tokens(text)));

    [Fact]
    public void StopWords_AreNltksEnglishListWithoutTheApostropheForms()
    {
        // NLTK's English list has 179 entries, 26 of them with an apostrophe ("don't", "you're", ...), which the
        // tokenizer splits into pieces that are on the list themselves.
        Assert.Equal(179 - 26, StopWords.All.Count);
        Assert.Contains("the", (IReadOnlySet<string>)StopWords.All);
        Assert.Contains("ll", (IReadOnlySet<string>)StopWords.All);
        Assert.DoesNotContain("many", (IReadOnlySet<string>)StopWords.All);
        Assert.DoesNotContain("less", (IReadOnlySet<string>)StopWords.All);
    }

    [Fact]
    public void Numbers_AreRecognised()
    {
        Assert.True(TextNormalizer.IsNumber("16"));
        Assert.True(TextNormalizer.IsNumber("3.50"));
        Assert.False(TextNormalizer.IsNumber("3x"));
        Assert.False(TextNormalizer.IsNumber("x3"));
        Assert.False(TextNormalizer.IsNumber(""));
    }

    private static Arbitrary<string> MixedText() =>
        Gen.Elements("Nora", "has", "16", "3.5", "1,000", "the", "Don't", "É", "naïve", "x^2", "π", "日本", ",", ".", "'", "’", "!", " ", "  ", "\n", "\t", "-", "$", "(", ")", "ǅ", "İ", "ß", "7")
            .ListOf().Select(parts => string.Concat(parts)).ToArbitrary();

    [Fact]
    public void Normalising_IsIdempotent() =>
        Prop.ForAll(MixedText(), s => Same(TextNormalizer.Tokens(string.Join(' ', TextNormalizer.Tokens(s))), TextNormalizer.Tokens(s)))
            .QuickCheckThrowOnFailure();

    [Fact]
    public void Tokens_AreLowerCase_WordCharactersOnly_AndNeverStopWords() =>
        Prop.ForAll(MixedText(), s => TextNormalizer.Tokens(s).All(t =>
                t.Length > 0 && t == t.ToLowerInvariant() && !StopWords.All.Contains(t)
                && t.All(c => char.IsLetterOrDigit(c) || c == '.' || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)))
            .QuickCheckThrowOnFailure();

    [Fact]
    public void AsciiCase_AndPunctuationBetweenWords_DoNotMatter()
    {
        var words = Gen.Elements("Nora", "buys", "16", "bags", "of", "feathers", "Each", "BAG", "has", "5", "the", "HOW", "many");
        var seps = Gen.Elements(" ", ", ", "; ", "! ", " (", ") ", " - ", "\n", " \"", "? ");
        var gen = Gen.Zip(words.NonEmptyListOf(), seps.NonEmptyListOf()).ToArbitrary();
        Prop.ForAll(gen, pair =>
        {
            var (w, sep) = pair;
            string plain = string.Join(' ', w);
            string punctuated = string.Concat(w.Select((x, i) => x + sep[i % sep.Count]));
            return Same(TextNormalizer.Tokens(plain), TextNormalizer.Tokens(punctuated.ToUpperInvariant()))
                && Same(TextNormalizer.Tokens(plain), TextNormalizer.Tokens(plain.ToLowerInvariant()));
        }).QuickCheckThrowOnFailure();
    }

    private static bool Same(List<string> a, List<string> b) => a.SequenceEqual(b, StringComparer.Ordinal);
}
