using System.Text.Json.Serialization;

namespace Sift.Engine.Kernels.Gemm;

/// <summary>
/// Source-generated JSON for the per-machine GEMM caches (gemm-calibration.json, managed-kernel.json), so they read and
/// write in hosts that disable reflection-based serialization (trimmed or AOT apps, file-based programs).
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<GemmCalibration.CacheEntry?>))]
[JsonSerializable(typeof(List<ManagedKernelMeasurement?>))]
internal sealed partial class GemmCacheJson : JsonSerializerContext;
