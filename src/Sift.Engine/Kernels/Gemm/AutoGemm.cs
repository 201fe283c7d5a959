using System.Collections.Concurrent;
using System.Globalization;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// The default GEMM ("auto") when OpenBLAS is installed: each shape runs on whichever of OpenBLAS and the
/// managed kernel a short measurement on this machine found faster (<see cref="GemmCalibration"/>, cached).
/// Rows are bucketed to the next power of two, so variable prompt lengths do not each calibrate. Results are
/// those of the chosen backend (both pass the same fast-vs-naive tests), so they can differ in the last bits
/// between machines; use "managed" for bit-reproducible runs.
/// </summary>
public sealed class AutoGemm : IGemm
{
    /// <summary>Below this many multiply-adds a call goes to the managed kernel without calibrating.</summary>
    internal const long CalibrateAbove = 1L << 21;

    private readonly OpenBlasGemm _blas;
    private readonly ManagedGemm _managed;
    private readonly GemmCalibration _calibration;
    private readonly ConcurrentDictionary<(bool, bool, int, int, int), IGemm> _routes = new();

    internal AutoGemm(OpenBlasGemm blas, ManagedGemm managed, string? cachePath)
    {
        _blas = blas;
        _managed = managed;
        _calibration = GemmCalibration.Shared(cachePath, GemmCalibration.MachineKey(managed.KernelName, managed.Threads));
    }

    /// <inheritdoc />
    public string Name => "auto";

    /// <summary>The per-shape choices made (or loaded from the cache) so far.</summary>
    public IReadOnlyList<GemmChoice> Choices => _calibration.Choices;

    /// <inheritdoc />
    public unsafe void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Route(transA, transB, m, n, k).Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>"openblas" or "managed": the backend a shape runs on (calibrating it on first use).</summary>
    public string BackendFor(bool transA, bool transB, int m, int n, int k) => Route(transA, transB, m, n, k).Name;

    /// <summary>The backend a shape runs on (calibrating it on first use).</summary>
    internal IGemm Route(bool transA, bool transB, int m, int n, int k)
    {
        if ((long)m * n * k < CalibrateAbove)
        {
            return _managed;
        }
        int bucket = (int)Math.Min(int.MaxValue, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)m));
        return _routes.GetOrAdd((transA, transB, bucket, n, k), key =>
        {
            string shape = string.Create(CultureInfo.InvariantCulture,
                $"{(key.Item1 ? 'T' : 'N')}{(key.Item2 ? 'T' : 'N')} {key.Item3}x{key.Item4}x{key.Item5}");
            GemmChoice choice = _calibration.Choose(shape, key.Item1, key.Item2, key.Item3, key.Item4, key.Item5, _blas, _managed);
            return choice.Backend == _managed.Name ? _managed : _blas;
        });
    }
}
