namespace Sift.Eval.Datasets;

/// <summary>
/// Finds the shared benchmark folder: <c>$SIFT_SHARED</c>, else a <c>shared/</c> folder (holding <c>data/</c>) beside
/// the working directory or any folder above it, or above the installed tool (a checkout's sibling <c>../shared</c>).
/// </summary>
internal static class SharedData
{
    /// <summary>The shared root, or null when there is none.</summary>
    public static string? Root()
    {
        string? env = Environment.GetEnvironmentVariable("SIFT_SHARED");
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        }
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared");
                if (Directory.Exists(Path.Combine(candidate, "data")))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The shared <c>data/</c> folder, or null.</summary>
    public static string? DataRoot() => Root() is { } r ? Path.Combine(r, "data") : null;
}
