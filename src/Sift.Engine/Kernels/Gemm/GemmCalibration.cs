using System.Globalization;
using Sift.Engine.Kernels.Cpu;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>One calibrated GEMM shape: both backends' best GFLOP/s and the winner.</summary>
public sealed record GemmChoice(string Shape, string Backend, double OpenBlasGflops, double ManagedGflops);

/// <summary>
/// Per-shape choice between OpenBLAS and the managed kernel, measured once per machine and cached in a
/// JSON file (<c>$SIFT_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/sift</c>, else <c>~/.cache/sift</c>,
/// <c>gemm-calibration.json</c>). Entries are keyed by the machine (CPU model and flags, OpenBLAS build and
/// core, how OpenBLAS uses threads, managed kernel and Kc, threads), so a different CPU, library or blocking calibrates afresh. Within a process one table
/// per (file, machine) is shared by every <see cref="AutoGemm"/>, and a choice once made (or read) is never
/// replaced, so two runs in one process route each shape the same way; across processes the first choice
/// written to the file wins.
/// </summary>
internal sealed class GemmCalibration
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), GemmCalibration> s_shared = new();

    /// <summary>Measured shapes are capped to this (rows, columns, depth) so calibration costs well under a second each.</summary>
    private const int CapM = 2048, CapN = 4096, CapK = 4096;

    private readonly string? _path;
    private readonly string _machine;
    private readonly Dictionary<string, GemmChoice> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public GemmCalibration(string? path, string machine)
    {
        _path = path;
        _machine = machine;
        foreach (CacheEntry e in Read(path))
        {
            if (e.Machine == machine)
            {
                _entries[e.Choice.Shape] = e.Choice;
            }
        }
    }

    /// <summary>The process-wide table for a cache file and machine key.</summary>
    public static GemmCalibration Shared(string? path, string machine) =>
        s_shared.GetOrAdd((path is null ? "" : Path.GetFullPath(path), machine), _ => new GemmCalibration(path, machine));

    /// <summary>The default cache file, or null when no home or cache directory is known.</summary>
    public static string? DefaultPath
    {
        get
        {
            string? dir = Environment.GetEnvironmentVariable("SIFT_CACHE_DIR") is { Length: > 0 } s ? s
                : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? Path.Combine(x, "sift")
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } h ? Path.Combine(h, ".cache", "sift")
                : null;
            return dir is null ? null : Path.Combine(dir, "gemm-calibration.json");
        }
    }

    /// <summary>The machine key for an OpenBLAS/managed pair at a thread count.</summary>
    public static string MachineKey(string managedKernel, int threads) =>
        string.Join(" | ", CpuInfo.Current.Identity, string.Join(',', CpuInfo.Current.SimdFlagsPresent),
            OpenBlasGemm.Config ?? "no openblas", OpenBlasGemm.CoreName ?? "-", OpenBlasGemm.Threading, $"{managedKernel} kc{GemmBlocking.Default.Kc}",
            threads.ToString(CultureInfo.InvariantCulture));

    /// <summary>Every choice made or loaded so far.</summary>
    public IReadOnlyList<GemmChoice> Choices
    {
        get
        {
            lock (_lock)
            {
                return _entries.Values.OrderBy(c => c.Shape, StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>The cached choice for a shape key, or a fresh measurement (saved) when there is none.</summary>
    public GemmChoice Choose(string shapeKey, bool transA, bool transB, int m, int n, int k, IGemm openBlas, IGemm managed)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(shapeKey, out GemmChoice? known))
            {
                return known;
            }
            // Another process may have measured it since this table was read.
            if (Read(_path).FirstOrDefault(e => e.Machine == _machine && e.Choice.Shape == shapeKey) is { } written)
            {
                _entries[shapeKey] = written.Choice;
                return written.Choice;
            }
            int mm = Math.Min(m, CapM), nn = Math.Min(n, CapN), kk = Math.Min(k, CapK);
            // Alternate the two so a change in load hits both; keep each one's best.
            double blas = 0, own = 0;
            var budget = TimeSpan.FromMilliseconds(15);
            for (int round = 0; round < 2; round++)
            {
                blas = Math.Max(blas, GemmBenchmark.MeasureGflops(openBlas, mm, nn, kk, budget, transA, transB));
                own = Math.Max(own, GemmBenchmark.MeasureGflops(managed, mm, nn, kk, budget, transA, transB));
            }
            var choice = new GemmChoice(shapeKey, own > blas ? managed.Name : openBlas.Name, Math.Round(blas, 2), Math.Round(own, 2));
            _entries[shapeKey] = choice;
            Save();
            return choice;
        }
    }

    private void Save()
    {
        if (_path is null)
        {
            return;
        }
        // Keep what is in the file (first writer wins); add this table's other shapes.
        var all = Read(_path);
        var inFile = all.Where(e => e.Machine == _machine).Select(e => e.Choice.Shape).ToHashSet(StringComparer.Ordinal);
        all.AddRange(_entries.Values.Where(c => !inFile.Contains(c.Shape)).Select(c => new CacheEntry(_machine, c)));
        GemmCacheFile.TryWrite(_path, all, GemmCacheJson.Default.ListCacheEntry);
    }

    private static List<CacheEntry> Read(string? path) =>
        GemmCacheFile.Read(path, GemmCacheJson.Default.ListCacheEntry).Where(e => e.Machine is not null && e.Choice?.Shape is not null).ToList();

    /// <summary>One cached line: the machine key and the choice.</summary>
    internal sealed record CacheEntry(string Machine, GemmChoice Choice);
}
