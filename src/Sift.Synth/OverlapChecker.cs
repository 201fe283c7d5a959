namespace Sift.Synth;

/// <summary>How much evaluation text also occurs in training text, by word n-grams.</summary>
/// <param name="N">n-gram length in words.</param>
/// <param name="MaxShare">Largest share of one evaluation item's n-grams found in training text.</param>
/// <param name="MeanShare">Mean of that share over the evaluation items.</param>
/// <param name="ItemsWithAnyHit">Evaluation items with at least one n-gram in training text.</param>
/// <param name="WorstItem">Index of the item with <see cref="MaxShare"/> (−1 when none has n-grams).</param>
/// <param name="Items">Evaluation items checked.</param>
/// <param name="TrainingWords">Words of training text scanned.</param>
public sealed record OverlapReport(int N, double MaxShare, double MeanShare, int ItemsWithAnyHit, int WorstItem, int Items, long TrainingWords);

/// <summary>
/// The usual contamination check (as in GPT-3's 13-gram analysis): words are maximal runs of letters and
/// digits, lower-cased; an evaluation item's n-grams are looked up in every n-gram of the training text.
/// Memory is bounded by the evaluation set: training text streams through <see cref="Scan"/>.
/// </summary>
public sealed class OverlapChecker
{
    private readonly int _n;
    private readonly Dictionary<ulong, List<int>> _owners = [];
    private readonly HashSet<ulong>[] _found;
    private readonly int[] _grams;
    private long _words;

    /// <summary>Indexes the n-grams of <paramref name="evalTexts"/>.</summary>
    public OverlapChecker(IReadOnlyList<string> evalTexts, int n = 13)
    {
        _n = n;
        _found = new HashSet<ulong>[evalTexts.Count];
        _grams = new int[evalTexts.Count];
        for (int i = 0; i < evalTexts.Count; i++)
        {
            _found[i] = [];
            var distinct = new HashSet<ulong>(Grams(evalTexts[i]));
            _grams[i] = distinct.Count;
            foreach (ulong g in distinct)
            {
                if (!_owners.TryGetValue(g, out var list))
                {
                    _owners[g] = list = [];
                }
                list.Add(i);
            }
        }
    }

    /// <summary>Looks up every n-gram of one training document.</summary>
    public void Scan(string trainingText)
    {
        foreach (ulong g in Grams(trainingText, count: true))
        {
            if (_owners.TryGetValue(g, out var owners))
            {
                foreach (int i in owners)
                {
                    _found[i].Add(g);
                }
            }
        }
    }

    /// <summary>The overlap so far.</summary>
    public OverlapReport Report()
    {
        double max = 0, sum = 0;
        int worst = -1, any = 0, items = 0;
        for (int i = 0; i < _grams.Length; i++)
        {
            if (_grams[i] == 0)
            {
                continue;
            }
            items++;
            double share = (double)_found[i].Count / _grams[i];
            sum += share;
            any += _found[i].Count > 0 ? 1 : 0;
            if (share > max || worst < 0)
            {
                (max, worst) = (share, i);
            }
        }
        return new OverlapReport(_n, max, items > 0 ? sum / items : 0, any, worst, _grams.Length, _words);
    }

    /// <summary>The word n-gram hashes of a text (FNV-1a over lower-cased words, combined in order).</summary>
    private IEnumerable<ulong> Grams(string text, bool count = false)
    {
        var words = new List<ulong>();
        ulong h = 0;
        bool inWord = false;
        foreach (char ch in text.Append(' '))
        {
            if (char.IsLetterOrDigit(ch))
            {
                h = ((inWord ? h : 14695981039346656037UL) ^ char.ToLowerInvariant(ch)) * 1099511628211UL;
                inWord = true;
            }
            else if (inWord)
            {
                words.Add(h);
                inWord = false;
            }
        }
        if (count)
        {
            _words += words.Count;
        }
        for (int i = 0; i + _n <= words.Count; i++)
        {
            ulong g = 1469598103934665603UL;
            for (int j = 0; j < _n; j++)
            {
                g = (g ^ words[i + j]) * 0x100000001B3UL + (ulong)j;
            }
            yield return g;
        }
    }
}
