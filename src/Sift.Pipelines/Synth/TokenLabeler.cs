using Sift.Core;
using Sift.Synth;
using Sift.Text;

namespace Sift.Pipelines.Synth;

/// <summary>
/// Turns per-character provenance into per-token provenance. Rule: a token takes the label of its first
/// non-whitespace character (a whitespace-only token takes the label of its first character). Whitespace
/// carries no content, so a token such as " 45" is labelled by its digits; with GPT-2 pre-tokenisation a
/// token never spans two content segments (words, digit runs and punctuation are split apart), so the rule
/// only decides where the spaces and newlines between segments go. Character offsets come from decoding
/// each token on its own, which is exact for byte-level tokenizers on ASCII text (synthetic text is ASCII);
/// anything else is refused rather than mislabelled.
/// </summary>
internal sealed class TokenLabeler
{
    private readonly ITokenizer _tok;
    private readonly string?[] _pieces;

    /// <summary>Labels tokens of <paramref name="tokenizer"/>.</summary>
    public TokenLabeler(ITokenizer tokenizer)
    {
        _tok = tokenizer;
        _pieces = new string?[tokenizer.VocabSize];
    }

    /// <summary>Tokens whose characters carried more than one label (counted by <see cref="Label"/>).</summary>
    public long MixedTokens { get; private set; }

    /// <summary>Encodes <paramref name="text"/> and returns its ids with one label per id.</summary>
    public (int[] Ids, byte[] Labels) Label(string text, IReadOnlyList<LabelSpan> spans, string where)
    {
        int[] ids = _tok.Encode(text);
        var labels = new byte[ids.Length];
        var charLabel = new byte[text.Length];
        int covered = 0;
        foreach (var s in spans)
        {
            if (s.Start != covered || s.End <= s.Start || s.End > text.Length)
            {
                throw new SiftException($"{where}: label spans must tile the text in order; span [{s.Start}, {s.End}) follows offset {covered} of {text.Length}");
            }
            charLabel.AsSpan(s.Start, s.End - s.Start).Fill((byte)s.Label);
            covered = s.End;
        }
        if (covered != text.Length)
        {
            throw new SiftException($"{where}: label spans cover {covered} of {text.Length} characters");
        }
        int pos = 0;
        long mixed = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            string piece = Piece(ids[i]);
            if (pos + piece.Length > text.Length || string.CompareOrdinal(text, pos, piece, 0, piece.Length) != 0)
            {
                throw new SiftException($"{where}: token {i} (id {ids[i]}) does not decode to the text at character {pos}; " +
                    "per-token labels need a byte-level tokenizer and ASCII text");
            }
            int first = pos;
            while (first < pos + piece.Length && char.IsWhiteSpace(text[first]))
            {
                first++;
            }
            labels[i] = charLabel[first < pos + piece.Length ? first : pos];
            for (int c = pos + 1; c < pos + piece.Length; c++)
            {
                if (charLabel[c] != charLabel[pos])
                {
                    mixed++;
                    break;
                }
            }
            pos += piece.Length;
        }
        if (pos != text.Length)
        {
            throw new SiftException($"{where}: tokens decode to {pos} of {text.Length} characters; per-token labels need a byte-level tokenizer and ASCII text");
        }
        lock (_pieces)
        {
            MixedTokens += mixed;
        }
        return (ids, labels);
    }

    private string Piece(int id)
    {
        string? p = _pieces[id];
        if (p is null)
        {
            p = _tok.Decode([id]);
            _pieces[id] = p;
        }
        return p;
    }
}
