namespace Sift.Curation.Text;

/// <summary>
/// Normalised tokens ↔ dense ids, assigned in first-seen order (so a run's ids, and with them the order in which
/// similarity sums are added up, depend only on the input order). Not thread-safe.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _terms = [];
    private readonly List<bool> _isNumber = [];

    public Vocabulary() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _terms.Count;

    public string Term(int id) => _terms[id];

    public bool IsNumber(int id) => _isNumber[id];

    public int GetOrAdd(ReadOnlySpan<char> token)
    {
        if (_lookup.TryGetValue(token, out int id))
        {
            return id;
        }
        string s = token.ToString();
        id = _terms.Count;
        _ids.Add(s, id);
        _terms.Add(s);
        _isNumber.Add(TextNormalizer.IsNumber(token));
        return id;
    }

    /// <summary>The token ids of a text (stop words removed), growing the vocabulary with new tokens.</summary>
    public int[] Encode(ReadOnlySpan<char> text, ref char[] buffer, List<int> scratch)
    {
        scratch.Clear();
        TextNormalizer.Tokenize(text, ref buffer, new Sink(this, scratch));
        return [.. scratch];
    }

    private sealed class Sink(Vocabulary vocab, List<int> ids) : ITokenSink
    {
        public void Token(ReadOnlySpan<char> token) => ids.Add(vocab.GetOrAdd(token));
    }
}
