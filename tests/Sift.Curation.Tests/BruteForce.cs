using Sift.Curation.Text;

namespace Sift.Curation.Tests;

/// <summary>
/// Independent reference implementations over token strings: TF-IDF cosine from dictionaries (tf = count,
/// idf = ln((1 + N) / (1 + df)) + 1 over the training texts, L2-normalised, as scikit-learn's TfidfVectorizer with
/// smooth_idf) and Jaccard of unigram and n-gram string sets.
/// </summary>
internal static class BruteForce
{
    public sealed class TfIdf
    {
        private readonly Dictionary<string, int> _df = new(StringComparer.Ordinal);
        private readonly List<Dictionary<string, double>> _docs;
        private readonly int _n;

        public TfIdf(IReadOnlyList<string> training)
        {
            _n = training.Count;
            var tokens = training.Select(TextNormalizer.Tokens).ToList();
            foreach (var t in tokens)
            {
                foreach (string term in t.Distinct())
                {
                    _df[term] = _df.GetValueOrDefault(term) + 1;
                }
            }
            _docs = tokens.Select(Vector).ToList();
        }

        public Dictionary<string, double> Vector(List<string> tokens)
        {
            var v = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var g in tokens.GroupBy(t => t, StringComparer.Ordinal))
            {
                v[g.Key] = g.Count() * (Math.Log((1.0 + _n) / (1.0 + _df.GetValueOrDefault(g.Key))) + 1.0);
            }
            double norm = Math.Sqrt(v.Values.Sum(x => x * x));
            foreach (string k in v.Keys.ToList())
            {
                v[k] /= norm;
            }
            return v;
        }

        public double Cosine(string query, int doc)
        {
            var q = Vector(TextNormalizer.Tokens(query));
            return q.Sum(kv => _docs[doc].TryGetValue(kv.Key, out double w) ? kv.Value * w : 0);
        }

        /// <summary>Every training item with a positive cosine, best first, equal scores by lower index.</summary>
        public List<(int Doc, double Score)> Ranking(string query) =>
            [.. Enumerable.Range(0, _n).Select(d => (Doc: d, Score: Cosine(query, d))).Where(x => x.Score > 0)
                .OrderByDescending(x => x.Score).ThenBy(x => x.Doc)];
    }

    public static double Jaccard(string a, string b, int n)
    {
        var sa = Grams(TextNormalizer.Tokens(a), n);
        var sb = Grams(TextNormalizer.Tokens(b), n);
        int union = sa.Union(sb).Count();
        return union == 0 ? 0 : (double)sa.Intersect(sb).Count() / union;
    }

    private static HashSet<string> Grams(List<string> t, int n)
    {
        if (t.Count == 0)
        {
            return [];
        }
        int w = Math.Min(n, t.Count);
        return [.. Enumerable.Range(0, t.Count - w + 1).Select(i => string.Join('\u0001', t.Skip(i).Take(w)))];
    }
}
