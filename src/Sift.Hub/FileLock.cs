namespace Sift.Hub;

/// <summary>
/// An exclusive lock on a file (.NET takes flock(2) for FileShare.None on Unix, as Python's filelock does, so Sift and
/// huggingface_hub never download the same blob at once).
/// </summary>
internal static class FileLock
{
    public static async Task<IDisposable> AcquireAsync(string path, Action waiting, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!told)
                {
                    waiting();
                    told = true;
                }
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
        }
    }
}
