namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// One multi-threaded GEMM call. Per (jc, pc) block: threads pack disjoint panels of the shared B block,
/// then run tasks = (Mc row block × slice of B panels); each task packs its own A block into a per-thread
/// buffer. Tasks own disjoint C tiles, so the result is bit-identical to <see cref="GemmDriver.Serial"/>.
/// A plain struct driven through <see cref="Par"/>'s function-pointer loops: a call allocates nothing.
/// </summary>
internal unsafe struct ParallelGemm<TKernel>
    where TKernel : struct, IMicroKernel
{
    private static int MR => TKernel.MR;

    private static int NR => TKernel.NR;

    private readonly GemmCall _g;
    private readonly GemmBlocking _blk;
    private readonly int _threads;
    private readonly int _mcBlock;
    private readonly int _rowBlocks;

    // State of the current (jc, pc) block, read by the loop bodies.
    private float* _packedB;
    private int _jc, _nc, _pc, _kc, _panels, _slices;
    private float _beta;

    public ParallelGemm(in GemmCall g, GemmBlocking blk, int threads)
    {
        _g = g;
        _blk = blk = blk.ForTile(MR, NR);
        _threads = threads;
        // Round the row-block count up to a multiple of the thread count so blocks share out evenly.
        int blocks = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, blk.Mc), threads);
        _mcBlock = GemmDriver.RoundUp(GemmDriver.CeilDiv(g.M, blocks), MR);
        _rowBlocks = GemmDriver.CeilDiv(g.M, _mcBlock);
    }

    public static void Run(in GemmCall g, GemmBlocking blk, int threads)
    {
        var state = new ParallelGemm<TKernel>(g, blk, threads);
        state.Run();
    }

    private void Run()
    {
        int kcMax = Math.Min(_blk.Kc, _g.K);
        using PackBuffer.Lease bBuf = PackBuffer.RentB((nuint)kcMax * (nuint)Math.Min(_blk.Nc, GemmDriver.RoundUp(_g.N, NR)));
        _packedB = bBuf.Data;
        fixed (ParallelGemm<TKernel>* self = &this)
        {
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
                    Par.ForEach(Math.Min(_threads, _panels), _threads, self, &PackSlice);
                    Par.ForEach(_rowBlocks * _slices, _threads, self, &ComputeTask);
                }
            }
        }
    }

    private static void PackSlice(ParallelGemm<TKernel>* s, int slice)
    {
        int count = Math.Min(s->_threads, s->_panels);
        GemmPacking.PackB(s->_g.TransB, s->_g.B, s->_g.Ldb, s->_pc, s->_kc, s->_jc, s->_nc,
            slice * s->_panels / count, (slice + 1) * s->_panels / count, s->_packedB, NR);
    }

    private static void ComputeTask(ParallelGemm<TKernel>* s, int task)
    {
        ref readonly GemmCall g = ref s->_g;
        int ic = task / s->_slices * s->_mcBlock;
        int slice = task % s->_slices;
        int mc = Math.Min(s->_mcBlock, g.M - ic);
        using PackBuffer.Lease aBuf = PackBuffer.RentA((nuint)s->_kc * (nuint)s->_mcBlock);
        GemmPacking.PackA(g.TransA, g.A, g.Lda, ic, mc, s->_pc, s->_kc, aBuf.Data, MR);
        GemmDriver.Macro<TKernel>(mc, s->_nc, s->_kc, aBuf.Data, s->_packedB, g.C + (nint)ic * g.Ldc + s->_jc, g.Ldc,
            g.Alpha, s->_beta, slice * s->_panels / s->_slices, (slice + 1) * s->_panels / s->_slices);
    }
}
