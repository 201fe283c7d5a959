namespace Sift.Curation.Decontamination;

/// <summary>A sparse vector: strictly increasing term ids and their weights.</summary>
internal readonly record struct SparseVector(int[] Terms, double[] Weights)
{
    public static SparseVector Empty { get; } = new([], []);
}

/// <summary>A training item found for a query, with its cosine similarity.</summary>
internal readonly record struct Hit(int Doc, double Score);

/// <summary>
/// TF-IDF vectors of the training items and an inverted index over them, for exact top-k cosine search.
/// Weights: tf = raw count of the term in the item, idf = ln((1 + N) / (1 + df)) + 1 over the N training items
/// (scikit-learn's smoothed idf; a term no training item has gets df = 0), each vector scaled to unit L2 norm, so a
/// dot product is the cosine. Queries use the training idf, so a benchmark item's scores do not depend on which
/// other benchmarks are checked in the same run.
/// </summary>
internal sealed class TfIdfIndex
{
    private readonly int _docs;
    private readonly int[] _df;
    private readonly int[] _fwdOffsets, _fwdTerms;
    private readonly double[] _fwdWeights;
    private readonly int[] _postOffsets, _postDocs;
    private readonly double[] _postWeights;
    private readonly double[] _maxWeight;

    private TfIdfIndex(int docs, int[] df, int[] fwdOffsets, int[] fwdTerms, double[] fwdWeights, int[] postOffsets, int[] postDocs, double[] postWeights)
    {
        (_docs, _df, _fwdOffsets, _fwdTerms, _fwdWeights) = (docs, df, fwdOffsets, fwdTerms, fwdWeights);
        (_postOffsets, _postDocs, _postWeights) = (postOffsets, postDocs, postWeights);
        _maxWeight = new double[df.Length];
        for (int t = 0; t < df.Length; t++)
        {
            for (int p = postOffsets[t]; p < postOffsets[t + 1]; p++)
            {
                _maxWeight[t] = Math.Max(_maxWeight[t], postWeights[p]);
            }
        }
    }

    /// <summary>Training items indexed.</summary>
    public int Count => _docs;

    /// <summary>Postings stored (one per distinct term of each item).</summary>
    public long Postings => _postDocs.Length;

    /// <summary>Indexes the items given as token-id sequences; <paramref name="vocabularySize"/> bounds the ids.</summary>
    public static TfIdfIndex Build(IReadOnlyList<int[]> items, int vocabularySize)
    {
        int n = items.Count;
        var df = new int[vocabularySize];
        var fwdOffsets = new int[n + 1];
        var scratch = new List<(int Term, int Tf)>();
        // Pass 1: distinct terms per item and document frequencies.
        var distinct = new (int Term, int Tf)[n][];
        for (int d = 0; d < n; d++)
        {
            distinct[d] = Counts(items[d], scratch);
            foreach (var (t, _) in distinct[d])
            {
                df[t]++;
            }
            fwdOffsets[d + 1] = checked(fwdOffsets[d] + distinct[d].Length);
        }
        int total = fwdOffsets[n];
        var fwdTerms = new int[total];
        var fwdWeights = new double[total];
        // Pass 2: normalised weights.
        for (int d = 0; d < n; d++)
        {
            Weigh(distinct[d], t => df[t], n, fwdTerms.AsSpan(fwdOffsets[d]), fwdWeights.AsSpan(fwdOffsets[d]));
            distinct[d] = null!;
        }
        // Inverted lists, each in increasing item order.
        var postOffsets = new int[vocabularySize + 1];
        for (int t = 0; t < vocabularySize; t++)
        {
            postOffsets[t + 1] = postOffsets[t] + df[t];
        }
        var fill = postOffsets[..^1].ToArray();
        var postDocs = new int[total];
        var postWeights = new double[total];
        for (int d = 0; d < n; d++)
        {
            for (int p = fwdOffsets[d]; p < fwdOffsets[d + 1]; p++)
            {
                int slot = fill[fwdTerms[p]]++;
                postDocs[slot] = d;
                postWeights[slot] = fwdWeights[p];
            }
        }
        return new TfIdfIndex(n, df, fwdOffsets, fwdTerms, fwdWeights, postOffsets, postDocs, postWeights);
    }

    /// <summary>The idf of a term (terms outside the training vocabulary have df = 0).</summary>
    public double Idf(int term) => Math.Log((1.0 + _docs) / (1.0 + (term < _df.Length ? _df[term] : 0))) + 1.0;

    /// <summary>Distinct terms of training item <paramref name="doc"/>, increasing.</summary>
    public ReadOnlySpan<int> Terms(int doc) => _fwdTerms.AsSpan(_fwdOffsets[doc], _fwdOffsets[doc + 1] - _fwdOffsets[doc]);

    /// <summary>The unit TF-IDF vector of any token sequence, with the training idf.</summary>
    public SparseVector Vectorize(int[] tokens)
    {
        var counts = Counts(tokens, []);
        if (counts.Length == 0)
        {
            return SparseVector.Empty;
        }
        var terms = new int[counts.Length];
        var weights = new double[counts.Length];
        Weigh(counts, t => t < _df.Length ? _df[t] : 0, _docs, terms, weights);
        return new SparseVector(terms, weights);
    }

    /// <summary>
    /// The <paramref name="k"/> training items with the highest cosine to <paramref name="query"/> (only scores above
    /// 0), best first; equal scores go to the lower item index. Exact: the scores are <see cref="Cosine"/>'s, so they
    /// equal a brute-force dot product over sorted terms bit for bit.
    /// <para>
    /// Term-at-a-time accumulation, rarest term first, with MaxScore-style pruning: before a long posting list, if
    /// the most the remaining terms can add to any item (the sum of query weight × the term's largest posting weight)
    /// is below the k-th best partial score so far, no item not yet seen can reach the top k, so the remaining lists
    /// are skipped and only the items seen whose partial score plus that bound reaches the k-th best are scored in
    /// full. Partial sums are only used to prune (with a relative margin of 1e-9 for rounding); final scores are always
    /// recomputed canonically.
    /// </para>
    /// <para>Items marked in <paramref name="excluded"/> are left out (their weights still count in the idf).</para>
    /// </summary>
    public Hit[] Search(SparseVector query, int k, SearchScratch s, bool[]? excluded = null)
    {
        s.Begin(_docs);
        var order = s.Order;
        for (int i = 0; i < query.Terms.Length; i++)
        {
            int t = query.Terms[i];
            if (t < _df.Length && _df[t] > 0)
            {
                order.Add(i);
            }
        }
        order.Sort((a, b) => _df[query.Terms[a]] != _df[query.Terms[b]] ? _df[query.Terms[a]].CompareTo(_df[query.Terms[b]]) : a.CompareTo(b));
        // bound[j]: the most terms j.. can add to one item's score; rest[j]: their postings.
        var (bound, rest) = s.Bounds(order.Count + 1);
        for (int j = order.Count - 1; j >= 0; j--)
        {
            int t = query.Terms[order[j]];
            bound[j] = bound[j + 1] + query.Weights[order[j]] * _maxWeight[t];
            rest[j] = rest[j + 1] + _df[t];
        }
        double kth = 0;
        for (int j = 0; j < order.Count; j++)
        {
            int t = query.Terms[order[j]];
            // Check only where the remaining lists cost more than a pass over the items seen.
            if (_df[t] >= PruneCheckLength && s.Touched >= k && rest[j] > 2L * s.Touched)
            {
                kth = s.KthLargest(k);
                double floor = kth * (1 - Margin) - bound[j];
                // Prune when scoring the surviving items in full is cheaper than the remaining lists.
                if (floor > 0 && (long)s.CountAtLeast(floor) * (query.Terms.Length + AverageLength) < rest[j])
                {
                    s.Pruned++;
                    return s.TopByBound(k, floor, bound[j], d => Cosine(query, d));
                }
            }
            double qw = query.Weights[order[j]];
            int end = _postOffsets[t + 1];
            if (excluded is null)
            {
                for (int p = _postOffsets[t]; p < end; p++)
                {
                    s.Add(_postDocs[p], qw * _postWeights[p]);
                }
            }
            else
            {
                for (int p = _postOffsets[t]; p < end; p++)
                {
                    if (!excluded[_postDocs[p]])
                    {
                        s.Add(_postDocs[p], qw * _postWeights[p]);
                    }
                }
            }
        }
        return s.TopByBound(k, s.Touched >= k ? s.KthLargest(k) * (1 - Margin) : double.NegativeInfinity, 0, d => Cosine(query, d));
    }

    private int AverageLength => _docs == 0 ? 0 : _fwdTerms.Length / _docs;

    // Posting lists shorter than this are cheaper to add than to check a pruning bound before.
    private const int PruneCheckLength = 2048;

    // Relative slack for rounding differences between partial sums and canonical scores.
    private const double Margin = 1e-9;

    /// <summary>The cosine of <paramref name="query"/> and training item <paramref name="doc"/> (dot product over sorted terms).</summary>
    public double Cosine(SparseVector query, int doc)
    {
        int a = 0, b = _fwdOffsets[doc], bEnd = _fwdOffsets[doc + 1];
        double sum = 0;
        while (a < query.Terms.Length && b < bEnd)
        {
            int ta = query.Terms[a], tb = _fwdTerms[b];
            if (ta == tb)
            {
                sum += query.Weights[a++] * _fwdWeights[b++];
            }
            else if (ta < tb)
            {
                a++;
            }
            else
            {
                b++;
            }
        }
        return sum;
    }

    // Distinct terms of a sequence with their counts, increasing by term.
    private static (int Term, int Tf)[] Counts(int[] tokens, List<(int, int)> scratch)
    {
        if (tokens.Length == 0)
        {
            return [];
        }
        var sorted = (int[])tokens.Clone();
        Array.Sort(sorted);
        scratch.Clear();
        int run = 1;
        for (int i = 1; i <= sorted.Length; i++)
        {
            if (i < sorted.Length && sorted[i] == sorted[i - 1])
            {
                run++;
                continue;
            }
            scratch.Add((sorted[i - 1], run));
            run = 1;
        }
        return [.. scratch];
    }

    // tf × idf, then divided by the L2 norm (squares summed in increasing term order).
    private static void Weigh((int Term, int Tf)[] counts, Func<int, int> df, int docs, Span<int> terms, Span<double> weights)
    {
        double norm = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            var (t, tf) = counts[i];
            double w = tf * (Math.Log((1.0 + docs) / (1.0 + df(t))) + 1.0);
            terms[i] = t;
            weights[i] = w;
            norm += w * w;
        }
        norm = Math.Sqrt(norm);
        for (int i = 0; i < counts.Length; i++)
        {
            weights[i] /= norm;
        }
    }
}

/// <summary>Per-thread accumulators for <see cref="TfIdfIndex.Search"/>.</summary>
internal sealed class SearchScratch
{
    private double[] _acc = [];
    private int[] _stamp = [];
    private int _generation;
    private double[] _bounds = [];
    private readonly List<int> _touched = [];
    private readonly List<(double Partial, int Doc)> _candidates = [];
    private double[] _heap = [];
    private long[] _rest = [];

    /// <summary>Query term positions in processing order.</summary>
    public List<int> Order { get; } = [];

    /// <summary>Searches that skipped posting lists (a diagnostic).</summary>
    public long Pruned { get; set; }

    /// <summary>Items with a partial score.</summary>
    public int Touched => _touched.Count;

    public void Begin(int docs)
    {
        if (_acc.Length < docs)
        {
            _acc = new double[docs];
            _stamp = new int[docs];
            _generation = 0;
        }
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            _generation = 1;
        }
        _touched.Clear();
        Order.Clear();
    }

    /// <summary>Zeroed arrays of at least <paramref name="n"/> entries for the search's suffix sums.</summary>
    public (double[] Bound, long[] Postings) Bounds(int n)
    {
        if (_bounds.Length < n)
        {
            _bounds = new double[Math.Max(n, 2 * _bounds.Length)];
            _rest = new long[_bounds.Length];
        }
        Array.Clear(_bounds, 0, n);
        Array.Clear(_rest, 0, n);
        return (_bounds, _rest);
    }

    public void Add(int doc, double value)
    {
        if (_stamp[doc] != _generation)
        {
            _stamp[doc] = _generation;
            _acc[doc] = 0;
            _touched.Add(doc);
        }
        _acc[doc] += value;
    }

    /// <summary>The k-th largest partial score (k ≤ <see cref="Touched"/>).</summary>
    public double KthLargest(int k)
    {
        var heap = Heap(k);
        int n = 0;
        foreach (int d in _touched)
        {
            double v = _acc[d];
            if (n < k)
            {
                heap[n++] = v;
                if (n == k)
                {
                    Array.Sort(heap, 0, k);
                }
            }
            else if (v > heap[0])
            {
                // heap[0..k) kept sorted ascending: k is small (10 by default).
                int at = 0;
                while (at + 1 < k && heap[at + 1] < v)
                {
                    heap[at] = heap[at + 1];
                    at++;
                }
                heap[at] = v;
            }
        }
        return heap[0];
    }

    /// <summary>Items whose partial score is at least <paramref name="floor"/>.</summary>
    public int CountAtLeast(double floor)
    {
        int c = 0;
        foreach (int d in _touched)
        {
            c += _acc[d] >= floor ? 1 : 0;
        }
        return c;
    }

    /// <summary>
    /// The best <paramref name="k"/> items (score above 0) by <paramref name="score"/> among those whose partial score
    /// is at least <paramref name="floor"/>, best first, ties to the lower index. Candidates are scored in decreasing
    /// partial score and the scan stops once partial + <paramref name="bound"/> (what the unprocessed terms could
    /// still add) cannot reach the k-th best score found.
    /// </summary>
    public Hit[] TopByBound(int k, double floor, double bound, Func<int, double> score)
    {
        _candidates.Clear();
        foreach (int d in _touched)
        {
            if (_acc[d] >= floor)
            {
                _candidates.Add((_acc[d], d));
            }
        }
        _candidates.Sort((a, b) => b.Partial.CompareTo(a.Partial));
        var best = new List<Hit>(k + 1);
        foreach (var (partial, d) in _candidates)
        {
            if (best.Count == k && partial + bound < best[^1].Score * (1 - 1e-9))
            {
                break;
            }
            double v = score(d);
            if (!(v > 0) || (best.Count == k && !Better(v, d, best[^1])))
            {
                continue;
            }
            int at = best.Count;
            while (at > 0 && Better(v, d, best[at - 1]))
            {
                at--;
            }
            best.Insert(at, new Hit(d, v));
            if (best.Count > k)
            {
                best.RemoveAt(k);
            }
        }
        return [.. best];
    }

    private double[] Heap(int k) => _heap.Length >= k ? _heap : _heap = new double[k];

    private static bool Better(double score, int doc, Hit than) => score > than.Score || (score == than.Score && doc < than.Doc);
}
