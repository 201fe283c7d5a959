namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// One multi-threaded GEMM call. Per (jc, pc) block: threads pack disjoint panels of the shared B block,
/// then run tasks = (Mc row block × slice of B panels); each task packs its own A block into a per-thread
/// buffer. Tasks own disjoint C tiles, so the result is bit-identical to <see cref="GemmDriver.Serial"/>.
/// </summary>
internal sealed unsafe class ParallelGemm<TKernel>
    where TKernel : struct, IMicroKernel
{
    private const int MR = ManagedGemm.MR, NR = ManagedGemm.NR;

    private readonly GemmCall _g;
    private readonly GemmBlocking _blk;
    private readonly int _threads;
    private readonly ParallelOptions _options;
    private readonly int _mcBlock;
    private readonly int _rowBlocks;
    private readonly Action<int> _packBody;
    private readonly Action<int> _computeBody;

    // State of the current (jc, pc) block, read by the loop bodies.
    private float* _packedB;
    private int _jc, _nc, _pc, _kc, _panels, _slices;
    private float _beta;

    public ParallelGemm(in GemmCall g, GemmBlocking blk, int threads, ParallelOptions options)
    {
        _g = g;
        _blk = blk;
        _threads = threads;
        _options = options;
        // Round the row-block count up to a multiple of the thread count so blocks share out evenly.
        int blocks = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, blk.Mc), threads);
        _mcBlock = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, blocks), MR);
        _rowBlocks = GemmDriver.CeilDiv(g.M, _mcBlock);
        _packBody = PackSlice;
        _computeBody = ComputeTask;
    }

    public void Run()
    {
        int kcMax = Math.Min(_blk.Kc, _g.K);
        using PackBuffer.Lease bBuf = PackBuffer.RentB((nuint)kcMax * (nuint)Math.Min(_blk.Nc, GemmDriver.RoundUp(_g.N, NR)));
        _packedB = bBuf.Data;
        for (_jc = 0; _jc < _g.N; _jc += _blk.Nc)
        {
            _nc = Math.Min(_blk.Nc, _g.N - _jc);
            _panels = GemmDriver.CeilDiv(_nc, NR);
            // Few row blocks (small m): also split the B panels so every thread gets work.
            _slices = _rowBlocks >= _threads ? 1 : Math.Min(_panels, GemmDriver.CeilDiv(_threads, _rowBlocks));
            for (_pc = 0; _pc < _g.K; _pc += _blk.Kc)
            {
                _kc = Math.Min(_blk.Kc, _g.K - _pc);
                _beta = _pc == 0 ? _g.Beta : 1f;
                int packSlices = Math.Min(_threads, _panels);
                if (packSlices > 1)
                {
                    Parallel.For(0, packSlices, _options, _packBody);
                }
                else
                {
                    PackSlice(0);
                }
                Parallel.For(0, _rowBlocks * _slices, _options, _computeBody);
            }
        }
    }

    private void PackSlice(int slice)
    {
        int count = Math.Min(_threads, _panels);
        GemmPacking.PackB(_g.TransB, _g.B, _g.Ldb, _pc, _kc, _jc, _nc,
            slice * _panels / count, (slice + 1) * _panels / count, _packedB);
    }

    private void ComputeTask(int task)
    {
        int ic = task / _slices * _mcBlock;
        int slice = task % _slices;
        int mc = Math.Min(_mcBlock, _g.M - ic);
        using PackBuffer.Lease aBuf = PackBuffer.RentA((nuint)_kc * (nuint)_mcBlock);
        GemmPacking.PackA(_g.TransA, _g.A, _g.Lda, ic, mc, _pc, _kc, aBuf.Data);
        GemmDriver.Macro<TKernel>(mc, _nc, _kc, aBuf.Data, _packedB, _g.C + (nint)ic * _g.Ldc + _jc, _g.Ldc,
            _g.Alpha, _beta, slice * _panels / _slices, (slice + 1) * _panels / _slices);
    }
}
