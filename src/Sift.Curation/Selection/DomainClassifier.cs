using Sift.Curation.Text;

namespace Sift.Curation.Selection;

/// <summary>
/// TRAIT-style in-domain scoring: a multinomial naive Bayes classifier over word unigrams and bigrams (normalised as
/// decontamination normalises: lowercase, punctuation and stop words removed; every number one feature, so numbers
/// do not make two problems look different), trained on in-domain text against general text. An item's score is the
/// mean per-feature log-likelihood ratio, log P(f | in-domain) − log P(f | general), with add-one smoothing: above 0
/// reads more like the in-domain text. Length-normalised so long documents are not favoured; cheap enough to score a
/// large corpus in one pass.
/// </summary>
internal sealed class DomainClassifier
{
    private const long NumberFeature = -1;

    private readonly Vocabulary _vocab = new();
    private readonly Dictionary<long, (long In, long General)> _counts = [];
    private long _totalIn, _totalGeneral;
    private char[] _buffer = [];
    private readonly List<int> _scratch = [];

    /// <summary>Distinct features seen in training.</summary>
    public int Features => _counts.Count;

    /// <summary>Adds one training text of either class.</summary>
    public void Add(string text, bool inDomain)
    {
        foreach (long f in FeaturesOf(text))
        {
            var c = _counts.GetValueOrDefault(f);
            _counts[f] = inDomain ? (c.In + 1, c.General) : (c.In, c.General + 1);
            if (inDomain)
            {
                _totalIn++;
            }
            else
            {
                _totalGeneral++;
            }
        }
    }

    /// <summary>The mean log-likelihood ratio of <paramref name="text"/>'s features (0 for a text without any).</summary>
    public double Score(string text)
    {
        double v = _counts.Count + 1; // + 1: room for the features training never saw
        double sum = 0;
        int n = 0;
        foreach (long f in FeaturesOf(text))
        {
            var c = _counts.GetValueOrDefault(f);
            sum += Math.Log((c.In + 1) / (_totalIn + v)) - Math.Log((c.General + 1) / (_totalGeneral + v));
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>Unigram and bigram features of a text, in order (numbers collapsed to one feature).</summary>
    internal List<long> FeaturesOf(string text)
    {
        int[] ids = _vocab.Encode(text, ref _buffer, _scratch);
        var features = new List<long>(ids.Length * 2);
        long prev = long.MinValue;
        foreach (int id in ids)
        {
            long u = _vocab.IsNumber(id) ? NumberFeature : id;
            features.Add(u);
            if (prev != long.MinValue)
            {
                // Bigram key: both unigram keys (numbers are -1) shifted into two 31-bit halves, tagged by bit 62.
                features.Add((1L << 62) | ((prev + 1) << 31) | (u + 1));
            }
            prev = u;
        }
        return features;
    }
}
