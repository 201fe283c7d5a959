namespace Sift.Grading.Tests;

/// <summary>Locates <c>../shared</c> next to the repository root (or <c>SIFT_SHARED</c>).</summary>
internal static class SharedData
{
    public static string? Root()
    {
        var env = Environment.GetEnvironmentVariable("SIFT_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "Sift.slnx")))
        {
            dir = dir.Parent;
        }

        if (dir?.Parent is null)
        {
            return null;
        }

        var shared = Path.Combine(dir.Parent.FullName, "shared");
        return Directory.Exists(shared) ? shared : null;
    }

    public static string? File(params string[] parts)
    {
        var root = Root();
        if (root is null)
        {
            return null;
        }

        var path = Path.Combine([root, .. parts]);
        return System.IO.File.Exists(path) ? path : null;
    }
}
