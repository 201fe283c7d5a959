using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Rewards.Integrative;

/// <summary>
/// Integrative Decoding on the local engine, exact (§6.1): the k prompts sit in k cache slots and decode one shared
/// continuation in lockstep; each next token is the argmax over the vocabulary of the mean of the k rows'
/// log-softmax (the paper's product of experts; the repository averages raw logits, which has the same argmax since
/// each row's normaliser does not depend on the token). Ties go to the lowest id, as greedy decoding's do.
/// </summary>
internal sealed class LocalIntegrativeDecoder(LlamaModel model, Compute compute)
{
    /// <summary>Decodes the shared continuation of <paramref name="prompts"/> (token ids, each non-empty).</summary>
    public IntegrativeResult Decode(IReadOnlyList<int[]> prompts, int maxTokens, IReadOnlyCollection<int> stopTokens, CancellationToken cancel = default)
    {
        model.Config.RequireCausalLm("integrative decoding");
        int k = prompts.Count, V = model.Config.VocabSize, maxLength = model.Config.MaxPositionEmbeddings;
        if (k == 0 || prompts.Any(p => p.Length == 0))
        {
            throw new ArgumentException("integrative decoding needs at least one prompt, none empty");
        }
        int longest = prompts.Max(p => p.Length);
        if (longest >= maxLength)
        {
            throw new Core.SiftException($"a prompt has {longest} tokens; the model's context is {maxLength}, leaving no room to decode");
        }
        using var session = new InferenceSession(model, k, maxLength, compute, maxRows: Math.Max(k, 256));
        var logits = new float[k * V];
        for (int j = 0; j < k; j++)
        {
            session.Prefill(j, prompts[j], logits.AsSpan(j * V, V));
        }
        var seqs = Enumerable.Range(0, k).ToArray();
        var next = new int[k];
        var mean = new double[V];
        var output = new List<int>();
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            if (output.Count >= maxTokens || longest + output.Count >= maxLength)
            {
                return new IntegrativeResult([.. output], "length", false);
            }
            int token = Merge(logits, k, V, mean);
            if (stopTokens.Contains(token))
            {
                return new IntegrativeResult([.. output], "stop", false);
            }
            output.Add(token);
            Array.Fill(next, token);
            session.Step(seqs, next, logits);
        }
    }

    /// <summary>argmax_v Σ_j log_softmax(row_j)[v] over the k rows of <paramref name="logits"/> [k·V] (ties: lowest id).</summary>
    internal static int Merge(ReadOnlySpan<float> logits, int k, int V, double[] sum)
    {
        Array.Clear(sum);
        for (int j = 0; j < k; j++)
        {
            var row = logits.Slice(j * V, V);
            double lse = RowLogSoftmax.LogSumExp(row);
            for (int v = 0; v < V; v++)
            {
                sum[v] += row[v] - lse;
            }
        }
        int best = 0;
        for (int v = 1; v < V; v++)
        {
            if (sum[v] > sum[best])
            {
                best = v;
            }
        }
        return best;
    }
}
