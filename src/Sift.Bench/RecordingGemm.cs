using Sift.Engine.Kernels;

namespace Sift.Bench;

/// <summary>One GEMM shape and how often a step calls it.</summary>
public sealed record GemmShape(bool TransA, bool TransB, int M, int N, int K, int Calls)
{
    /// <summary>FLOPs of one call (2·m·n·k).</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>e.g. "NT 8192×1152×384".</summary>
    public override string ToString() => $"{(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')} {M}×{N}×{K}";
}

/// <summary>Passes calls through to another GEMM and, while <see cref="Recording"/>, counts each shape.</summary>
public sealed class RecordingGemm(IGemm inner) : IGemm
{
    private readonly Dictionary<(bool, bool, int, int, int), int> _calls = [];

    /// <summary>Count shapes while true.</summary>
    public bool Recording { get; set; }

    /// <summary>The wrapped GEMM.</summary>
    public IGemm Inner { get; } = inner;

    /// <inheritdoc />
    public string Name => Inner.Name;

    /// <summary>The recorded shapes, most FLOPs first.</summary>
    public IReadOnlyList<GemmShape> Shapes => _calls
        .Select(kv => new GemmShape(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, kv.Key.Item5, kv.Value))
        .OrderByDescending(s => s.Flops * s.Calls).ToList();

    /// <inheritdoc />
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (Recording)
        {
            var key = (transA, transB, m, n, k);
            _calls[key] = _calls.GetValueOrDefault(key) + 1;
        }
        Inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
