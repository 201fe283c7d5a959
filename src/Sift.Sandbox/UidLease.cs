namespace Sift.Sandbox;

/// <summary>
/// Exclusive use of one sandbox uid for one run, across every Sift process on the machine (a lock file held with
/// <c>FileShare.None</c>, which .NET implements with <c>flock</c>). A uid of its own makes RLIMIT_NPROC count only
/// this run's processes and lets the launcher kill everything the uid owns afterwards without touching other runs.
/// </summary>
internal sealed class UidLease : IDisposable
{
    private static int _next;
    private readonly FileStream _lock;

    private UidLease(int uid, FileStream lockFile)
    {
        Uid = uid;
        _lock = lockFile;
    }

    public int Uid { get; }

    /// <summary>Where the lock files live: root-only <c>/run</c> when it exists (not world-writable /tmp).</summary>
    public static string LockDirectory() =>
        Directory.Exists("/run") ? "/run/sift-sandbox" : Path.Combine(Path.GetTempPath(), "sift-sandbox-uids");

    /// <summary>Leases a free uid in [first, first+count), or returns null when all are taken.</summary>
    public static UidLease? TryAcquire(int first, int count)
    {
        var dir = LockDirectory();
        Directory.CreateDirectory(dir);
        int start = Interlocked.Increment(ref _next);
        for (int i = 0; i < count; i++)
        {
            int uid = first + (int)((uint)(start + i) % (uint)count);
            try
            {
                var fs = new FileStream(Path.Combine(dir, $"uid-{uid}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new UidLease(uid, fs);
            }
            catch (IOException)
            {
                // Held by another run (in this process or another); try the next uid.
            }
        }

        return null;
    }

    /// <summary>Uids in the range that /etc/passwd assigns to a real account (the sandbox must not use or kill those).</summary>
    public static IReadOnlyList<string> ConflictingAccounts(int first, int count)
    {
        var hits = new List<string>();
        if (!File.Exists("/etc/passwd"))
        {
            return hits;
        }

        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 2 && int.TryParse(f[2], out int uid) && uid >= first && uid < first + count)
            {
                hits.Add($"{f[0]} ({uid})");
            }
        }

        return hits;
    }

    public void Dispose() => _lock.Dispose();
}
