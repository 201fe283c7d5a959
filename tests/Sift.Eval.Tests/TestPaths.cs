using Sift.Eval.Datasets;

namespace Sift.Eval.Tests;

/// <summary>Golden files beside the test binary, and the optional shared benchmark data.</summary>
internal static class TestPaths
{
    public static string Golden(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Golden", .. parts]);

    /// <summary>A file under shared/data, or null (the caller prints that it skipped).</summary>
    public static string? Shared(params string[] parts)
    {
        if (SharedData.DataRoot() is not { } root)
        {
            return null;
        }
        string p = Path.Combine([root, .. parts]);
        return File.Exists(p) ? p : null;
    }

    public static string TempDir() => Directory.CreateTempSubdirectory("sift-eval").FullName;
}
