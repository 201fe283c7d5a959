using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Sift.Core.IO;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Source-generated JSON for the per-machine GEMM caches (gemm-calibration.json, managed-kernel.json, openblas-core.json), so they read and
/// write in hosts that disable reflection-based serialization (trimmed or AOT apps, file-based programs).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<GemmCalibration.CacheEntry?>))]
[JsonSerializable(typeof(List<ManagedKernelMeasurement?>))]
[JsonSerializable(typeof(List<OpenBlasCoreMeasurement?>))]
internal sealed partial class GemmCacheJson : JsonSerializerContext;

/// <summary>Reading and writing one per-machine GEMM cache file: damaged or unreadable reads as empty, failed writes are ignored.</summary>
internal static class GemmCacheFile
{
    /// <summary>The file's entries (null ones dropped), or none when it is missing, damaged or unreadable (so it is measured again).</summary>
    public static List<T> Read<T>(string? path, JsonTypeInfo<List<T?>> info)
        where T : class
    {
        if (path is null || !File.Exists(path))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), info)?.OfType<T>().ToList() ?? [];
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The file <paramref name="fileName"/> in the folder of a GEMM calibration file (the per-machine caches sit together).</summary>
    public static string Beside(string calibrationPath, string fileName) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(calibrationPath))!, fileName);

    /// <summary>
    /// The entry cached for <paramref name="machine"/> in <paramref name="path"/> (one that <paramref name="valid"/> accepts),
    /// or a fresh <paramref name="measure"/>ment, saved in place of that machine's old entries.
    /// </summary>
    public static T GetOrMeasure<T>(string? path, JsonTypeInfo<List<T?>> info, string machine, Func<T, string> machineOf,
        Func<T, bool> valid, Func<string, T> measure)
        where T : class
    {
        List<T> all = Read(path, info);
        if (all.FirstOrDefault(e => machineOf(e) == machine && valid(e)) is { } known)
        {
            return known;
        }
        T fresh = measure(machine);
        if (path is not null)
        {
            all.RemoveAll(e => machineOf(e) == machine);
            all.Add(fresh);
            TryWrite(path, all, info);
        }
        return fresh;
    }

    /// <summary>Replaces the file atomically with <paramref name="entries"/>; a cache that cannot be written only costs a measurement next time.</summary>
    public static void TryWrite<T>(string path, List<T> entries, JsonTypeInfo<List<T?>> info)
        where T : class
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(entries.Cast<T?>().ToList(), info));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
