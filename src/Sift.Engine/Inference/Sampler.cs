using Sift.Core.Random;

namespace Sift.Engine.Inference;

/// <summary>How to pick the next token.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 means greedy (argmax; ties to the lowest id).</summary>
    public float Temperature { get; init; }

    /// <summary>Keep only the k most likely tokens (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set whose probability reaches p (1 = off).</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Checks ranges; throws ArgumentException naming the field.</summary>
    public SamplingOptions Validate()
    {
        if (!(Temperature >= 0) || float.IsInfinity(Temperature))
        {
            throw new ArgumentException($"temperature must be ≥ 0, got {Temperature}");
        }
        if (TopK < 0)
        {
            throw new ArgumentException($"top_k must be ≥ 0, got {TopK}");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        }
        return this;
    }
}

/// <summary>Greedy / temperature / top-k / top-p sampling over one logits row.</summary>
public static class Sampler
{
    /// <summary>Picks a token id. <paramref name="scratch"/> needs 2·V entries (reused; no allocation).</summary>
    public static int Sample(ReadOnlySpan<float> logits, SamplingOptions opt, Rng rng, Span<float> probs, Span<int> order)
    {
        int v = logits.Length;
        if (opt.Temperature == 0)
        {
            return ArgMax(logits);
        }
        float max = System.Numerics.Tensors.TensorPrimitives.Max(logits);
        double sum = 0;
        for (int i = 0; i < v; i++)
        {
            float p = MathF.Exp((logits[i] - max) / opt.Temperature);
            probs[i] = p;
            sum += p;
        }
        int kept = v;
        bool filtered = opt.TopK > 0 && opt.TopK < v || opt.TopP < 1;
        if (filtered)
        {
            for (int i = 0; i < v; i++)
            {
                order[i] = i;
            }
            var probsCopy = probs[..v].ToArray();
            var ord = order[..v];
            // Stable descending order by probability, ties to the lower id.
            ord.Sort((a, b) => probsCopy[b].CompareTo(probsCopy[a]) is int cmp && cmp != 0 ? cmp : a.CompareTo(b));
            if (opt.TopK > 0)
            {
                kept = Math.Min(kept, opt.TopK);
            }
            if (opt.TopP < 1)
            {
                double cum = 0;
                for (int i = 0; i < kept; i++)
                {
                    cum += probs[ord[i]] / sum;
                    if (cum >= opt.TopP)
                    {
                        kept = i + 1;
                        break;
                    }
                }
            }
            double keptSum = 0;
            for (int i = 0; i < kept; i++)
            {
                keptSum += probs[ord[i]];
            }
            double u = rng.NextDouble() * keptSum;
            for (int i = 0; i < kept; i++)
            {
                u -= probs[ord[i]];
                if (u < 0)
                {
                    return ord[i];
                }
            }
            return ord[kept - 1];
        }
        double r = rng.NextDouble() * sum;
        for (int i = 0; i < v; i++)
        {
            r -= probs[i];
            if (r < 0)
            {
                return i;
            }
        }
        return ArgMax(logits);
    }

    /// <summary>Index of the largest logit (lowest index on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }
}
