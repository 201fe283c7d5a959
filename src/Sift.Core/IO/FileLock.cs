namespace Sift.Core.IO;

/// <summary>
/// An exclusive lock on a lock file, held until disposed, so two processes never run the same stage into the same
/// folder at once (on Linux and macOS .NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/>; on Windows
/// the share mode itself excludes others). The file is deleted when the lock is released.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    /// <summary>The lock file.</summary>
    public string Path => _stream.Name;

    /// <summary>Takes the lock at <paramref name="path"/> or fails at once with an error naming <paramref name="what"/>.</summary>
    public static FileLock Acquire(string path, string what)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new SiftException($"{what} is in use by another process (lock file {path} is held); wait for it to finish or use another output folder");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
