using Sift.Engine.Ops;

namespace Sift.Serving.Engine;

/// <summary>Log-probabilities from a logits row: log-sum-exp, rank, and the top k (the log-softmax itself is the engine's <see cref="RowLogSoftmax"/>).</summary>
internal static class LogitMath
{
    /// <summary>log Σ exp(row): the engine's one row log-softmax, so served logprobs equal `sift score` losses bit for bit.</summary>
    public static float LogSumExp(ReadOnlySpan<float> row) => RowLogSoftmax.LogSumExp(row);

    /// <summary>log p(token), exactly −(the scorer's loss of the same row).</summary>
    public static float Logprob(ReadOnlySpan<float> row, int token) => RowLogSoftmax.LogProb(row, token);

    /// <summary>1 + the number of ids with a strictly larger logit (ties share the better rank).</summary>
    public static int Rank(ReadOnlySpan<float> row, int token)
    {
        float x = row[token];
        int above = 0;
        foreach (float v in row)
        {
            if (v > x)
            {
                above++;
            }
        }
        return above + 1;
    }

    /// <summary>The k most likely ids, most likely first (ties to the lower id), with their logprobs.</summary>
    public static TokenLogprob[] Top(ReadOnlySpan<float> row, int k, float logSumExp)
    {
        k = Math.Min(k, row.Length);
        var ids = new int[k];
        var vals = new float[k];
        int n = 0;
        // Insertion into a sorted buffer of size k: O(V·k) worst case, O(V) for typical rows since most values
        // fail the first comparison; k ≤ 20 here.
        for (int i = 0; i < row.Length; i++)
        {
            float v = row[i];
            if (n == k && !(v > vals[k - 1]))
            {
                continue;
            }
            int at = n < k ? n : k - 1;
            while (at > 0 && v > vals[at - 1])
            {
                if (at < k)
                {
                    vals[at] = vals[at - 1];
                    ids[at] = ids[at - 1];
                }
                at--;
            }
            vals[at] = v;
            ids[at] = i;
            if (n < k)
            {
                n++;
            }
        }
        var top = new TokenLogprob[n];
        for (int i = 0; i < n; i++)
        {
            top[i] = new TokenLogprob(ids[i], vals[i] - logSumExp);
        }
        return top;
    }
}
