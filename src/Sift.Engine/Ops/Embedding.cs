using Sift.Engine.Kernels;
using Sift.Engine.Model;

namespace Sift.Engine.Ops;

/// <summary>Token embedding lookup; the backward scatter-adds rows (columns split across threads: deterministic).</summary>
public static unsafe class Embedding
{
    /// <summary>out[n,d] = table[tokens[i]].</summary>
    public static void Forward(float* output, float* table, ReadOnlySpan<int> tokens, int vocab, int d)
    {
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if ((uint)t >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} at position {i} is outside the vocabulary (0..{vocab - 1})");
            }
            Vec.Copy(output + (long)i * d, table + (long)t * d, d);
        }
    }

    /// <summary>out[n,d] = table[tokens[i]] for a table at <paramref name="offset"/> of <paramref name="w"/> in its resident format.</summary>
    public static void Forward(float* output, in WeightView w, long offset, ReadOnlySpan<int> tokens, int vocab, int d)
    {
        if (w.Format == WeightFormat.F32)
        {
            Forward(output, w.F32 + offset, tokens, vocab, d);
            return;
        }
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if ((uint)t >= (uint)vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token id {t} at position {i} is outside the vocabulary (0..{vocab - 1})");
            }
            Widen.Row(w.Half + offset + (long)t * d, output + (long)i * d, d, w.Format);
        }
    }

    /// <summary>dTable[tokens[i]] += dOut[i].</summary>
    public static void Backward(float* dTable, float* dOut, int[] tokens, int n, int d, int threads)
    {
        fixed (int* tp = tokens)
        {
            var a = new Args { DTable = dTable, DOut = dOut, Tokens = tp, N = n, D = d };
            Par.For(d, Math.Min(threads, Math.Max(1, d / 32)), &a, &BackwardColumns);
        }
    }

    private struct Args
    {
        public float* DTable, DOut;
        public int* Tokens;
        public int N, D;
    }

    // Columns [c0, c1) of every row: threads own disjoint columns, rows are added in order.
    private static void BackwardColumns(Args* a, int c0, int c1)
    {
        int d = a->D;
        for (int i = 0; i < a->N; i++)
        {
            float* dst = a->DTable + (long)a->Tokens[i] * d, src = a->DOut + (long)i * d;
            for (int j = c0; j < c1; j++)
            {
                dst[j] += src[j];
            }
        }
    }
}
