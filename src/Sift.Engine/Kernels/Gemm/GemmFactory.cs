using Sift.Core;
using Sift.Engine.Kernels.Bf16Mixed;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>Builds the <see cref="IGemm"/> named in configuration or on the command line.</summary>
public static class GemmFactory
{
    /// <summary>Accepted backend names.</summary>
    public static IReadOnlyList<string> Backends { get; } = ["auto", "openblas", "managed", "naive"];

    /// <summary>Accepted training precisions: "fp32" and "bf16-mixed" (bf16 GEMM inputs, float32 accumulation and weights).</summary>
    public static IReadOnlyList<string> Precisions { get; } = ["fp32", "bf16-mixed"];

    /// <summary>
    /// The GEMM for a training <paramref name="precision"/>: fp32 is <see cref="Create(string, int)"/> of
    /// <paramref name="backend"/>; bf16-mixed is <see cref="Bf16Gemm"/> (the backend does not apply).
    /// </summary>
    /// <exception cref="SiftException">Unknown precision, or bf16-mixed where it cannot run (the message says why).</exception>
    public static IGemm Create(string backend, int threads, string precision) =>
        precision switch
        {
            "fp32" => Create(backend, threads),
            "bf16-mixed" => Bf16Gemm.Create(threads),
            _ => throw new SiftException($"precision: unknown name '{precision}'; expected one of {string.Join(", ", Precisions)}."),
        };

    /// <summary>
    /// Training compute for a <paramref name="precision"/>: the projections on <see cref="Create(string, int, string)"/>
    /// and, under bf16-mixed, attention's causal products in bf16 too (<see cref="Compute.Bf16Attention"/>). The output
    /// head (logits) is a projection like the others, as in PyTorch's bf16 autocast; eight seeds on the demo's reference
    /// model put its loss and accuracy within seed noise of an fp32 head (README, bf16-mixed training).
    /// </summary>
    public static Compute CreateCompute(string backend, int threads, string precision)
    {
        IGemm gemm = Create(backend, threads, precision);
        return new Compute(gemm, threads) { Bf16Attention = precision == "bf16-mixed" };
    }

    /// <summary>
    /// Deletes the per-machine GEMM calibration cache (<paramref name="path"/>, default the file "auto" reads) and the
    /// managed kernel and OpenBLAS core choices beside it (managed-kernel.json, openblas-core.json), so the next GEMM in a
    /// new process measures again: a calibration taken under heavy load can have picked the slower backend, kernel or
    /// core and would otherwise be kept (the OpenBLAS core is chosen when the library loads, once per process).
    /// Returns the paths deleted (empty when there were none).
    /// </summary>
    public static IReadOnlyList<string> ForgetCalibration(string? path = null)
    {
        path ??= GemmCalibration.DefaultPath;
        if (path is null)
        {
            return [];
        }
        var deleted = new List<string>();
        foreach (string file in new[] { path, ManagedKernelChoice.Beside(path), OpenBlasCoreChoice.Beside(path) }.Where(File.Exists))
        {
            File.Delete(file);
            deleted.Add(file);
        }
        return deleted;
    }

    /// <summary>
    /// "auto" (per shape the faster of OpenBLAS and managed, measured once per machine and cached; managed
    /// when OpenBLAS is not installed), "openblas", "managed" or "naive" (case-insensitive), using up to
    /// <paramref name="threads"/> threads per call (naive ignores it).
    /// </summary>
    /// <exception cref="SiftException">Unknown name, threads &lt; 1, or "openblas" when it is not installed.</exception>
    public static IGemm Create(string backend, int threads)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (threads < 1)
        {
            throw new SiftException($"GEMM threads: expected an integer ≥ 1, got {threads}.");
        }
        switch (backend.Trim().ToLowerInvariant())
        {
            case "auto":
                return OpenBlasGemm.TryCreate(threads, out OpenBlasGemm? auto)
                    ? new AutoGemm(auto, new ManagedGemm(threads), GemmCalibration.DefaultPath)
                    : new ManagedGemm(threads);
            case "openblas":
                if (OpenBlasGemm.TryCreate(threads, out OpenBlasGemm? blas))
                {
                    return blas;
                }
                throw new SiftException(
                    $"GEMM backend 'openblas' was requested but no OpenBLAS library could be loaded " +
                    $"(tried {string.Join(", ", OpenBlasLibrary.Candidates)}). Install it " +
                    "(apt-get install libopenblas0-pthread) or choose backend 'managed' or 'auto'.");
            case "managed":
                return new ManagedGemm(threads);
            case "naive":
                return new NaiveGemm();
            default:
                throw new SiftException(
                    $"GEMM backend: unknown name '{backend}'; expected one of {string.Join(", ", Backends)}.");
        }
    }
}
