using System.Collections.Frozen;

namespace Sift.Curation.Text;

/// <summary>
/// English stop words removed before similarity is measured (Orca-Math's contamination check removes "English
/// stopwords", which in its Python setting means NLTK's list). This list is written for Sift and follows the
/// contents of NLTK's English list (nltk_data <c>corpora/stopwords/english</c>, 179 entries): pronouns,
/// determiners, prepositions, conjunctions, auxiliary verbs, a few adverbs and quantifiers, and the pieces
/// contractions leave once apostrophes split words ("don't" → "don" "t", "she's" → "she" "s"). Entries that contain
/// an apostrophe in NLTK are not needed here, since the tokenizer never produces one.
/// </summary>
internal static class StopWords
{
    /// <summary>Every stop word, lower case.</summary>
    public static FrozenSet<string> All { get; } = Build();

    internal static FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; } = All.GetAlternateLookup<ReadOnlySpan<char>>();

    private static FrozenSet<string> Build()
    {
        string[] groups =
        [
            // Personal, possessive and reflexive pronouns.
            "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself",
            "it its itself they them their theirs themselves",
            // Interrogatives, relatives and demonstratives.
            "what which who whom this that these those",
            // Forms of be, have and do.
            "am is are was were be been being have has had having do does did doing",
            // Articles and conjunctions.
            "a an the and but if or because as until while",
            // Prepositions and particles.
            "of at by for with about against between into through during before after above below to from up down in out on off over under",
            // Adverbs of time, place and manner.
            "again further then once here there when where why how",
            // Quantifiers and other determiners.
            "all any both each few more most other some such no nor not only own same so than too very",
            // Modals and frequent adverbs.
            "s t can will just don should now",
            // Contraction pieces: 'd 'll 'm 'o 're 've 'y, and the n't stems.
            "d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn",
        ];
        return groups.SelectMany(g => g.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToFrozenSet(StringComparer.Ordinal);
    }
}
