using Sift.Curation.Decontamination;

namespace Sift.Curation.Selection;

/// <summary>
/// QaDS-style quality-aware diverse selection as a determinantal point process: the kernel is
/// L_ij = q_i · S_ij · q_j with S the TF-IDF cosine similarity and q_i = exp(θ · quality_i), and k items are picked by
/// greedy MAP inference (each step adds the item that most increases log det L_Y), with the incremental Cholesky
/// update of Chen, Zhang &amp; Zhou (NeurIPS 2018): O(N·k) similarities and O(N·k²) arithmetic for N items, no N×N
/// matrix. θ = 0 is diversity only; a large θ approaches "best quality first". Ties go to the earlier item.
/// </summary>
internal static class DiverseSelector
{
    /// <summary>Selected item indices in the order picked, and each pick's gain (the squared Cholesky pivot d_j²).</summary>
    public static (int[] Order, double[] Gains) Select(TfIdfIndex index, IReadOnlyList<SparseVector> vectors, IReadOnlyList<double> quality, double theta, int k,
        IProgress<int>? progress = null)
    {
        int n = vectors.Count;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        var q = new double[n];
        var d2 = new double[n];
        for (int i = 0; i < n; i++)
        {
            q[i] = Math.Exp(theta * quality[i]);
            double self = vectors[i].Weights.Length == 0 ? 0 : 1; // cosine with itself (an empty text has no direction)
            d2[i] = q[i] * q[i] * (self + Jitter);
        }
        var c = new double[n][];
        for (int i = 0; i < n; i++)
        {
            c[i] = new double[k];
        }
        var taken = new bool[n];
        var order = new int[k];
        var gains = new double[k];
        for (int step = 0; step < k; step++)
        {
            int j = -1;
            double best = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                if (!taken[i] && d2[i] > best)
                {
                    best = d2[i];
                    j = i;
                }
            }
            order[step] = j;
            gains[step] = best;
            taken[j] = true;
            double dj = Math.Sqrt(Math.Max(best, 0));
            if (dj <= 0)
            {
                continue; // the rest lie in the span of what is chosen: their gains stay 0 and ties pick in order
            }
            var cj = c[j];
            for (int i = 0; i < n; i++)
            {
                if (taken[i])
                {
                    continue;
                }
                double lji = q[j] * q[i] * index.Cosine(vectors[j], i);
                var ci = c[i];
                double dot = 0;
                for (int t = 0; t < step; t++)
                {
                    dot += cj[t] * ci[t];
                }
                double e = (lji - dot) / dj;
                ci[step] = e;
                d2[i] -= e * e;
            }
            progress?.Report(step + 1);
        }
        return (order, gains);
    }

    /// <summary>A small ridge on the diagonal keeps the kernel positive definite when two texts are identical.</summary>
    internal const double Jitter = 1e-6;
}
