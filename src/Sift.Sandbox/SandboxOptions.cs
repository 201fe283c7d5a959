namespace Sift.Sandbox;

/// <summary>How much isolation <see cref="PythonSandbox"/> must use.</summary>
public enum SandboxIsolation
{
    /// <summary>Namespaces when the OS allows them, otherwise resource limits only (with a note in the profile).</summary>
    Auto,

    /// <summary>Namespaces (network, pid, mount, IPC) or nothing: every run fails to start when they are unavailable.</summary>
    Namespaces,

    /// <summary>No namespaces: resource limits, a dropped uid (as root) and process cleanup only.</summary>
    Basic,
}

/// <summary>Limits and settings of <see cref="PythonSandbox"/>. The defaults suit PAL/ToRA programs (sympy fits in them).</summary>
public sealed record SandboxOptions
{
    /// <summary>The Python interpreter (default: <c>SIFT_PYTHON</c>, else <c>/usr/bin/python3</c>, else <c>python3</c> on PATH).</summary>
    public string PythonPath { get; init; } = DefaultPython();

    /// <summary>Wall-clock limit per program; the whole process tree is killed when it passes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>CPU-time limit per process in whole seconds (RLIMIT_CPU; SIGXCPU, then SIGKILL a second later).</summary>
    public int CpuSeconds { get; init; } = 5;

    /// <summary>Address-space limit per process (RLIMIT_AS). sympy with numpy needs about 200 MiB.</summary>
    public long MemoryBytes { get; init; } = 1L << 30;

    /// <summary>Largest file the program may write (RLIMIT_FSIZE).</summary>
    public long FileSizeBytes { get; init; } = 16L << 20;

    /// <summary>Size of the run's private tmpfs (its working directory, also shown at /var/tmp, /dev/shm, /run/lock) when namespaces are on.</summary>
    public long DiskBytes { get; init; } = 64L << 20;

    /// <summary>Processes and threads the program may have at once (RLIMIT_NPROC on a uid of its own).</summary>
    public int MaxProcesses { get; init; } = 16;

    /// <summary>Open file descriptors per process (RLIMIT_NOFILE).</summary>
    public int MaxOpenFiles { get; init; } = 64;

    /// <summary>Bytes kept of each of stdout and stderr (the first and last halves; the middle is cut and marked).</summary>
    public int OutputLimitBytes { get; init; } = 64 << 10;

    /// <summary>Combined stdout+stderr bytes after which the program is killed (a <see cref="CodeOutcome.ResourceLimit"/>).</summary>
    public long MaxOutputBytes { get; init; } = 16L << 20;

    /// <summary>Programs run at once by one executor; further calls wait.</summary>
    public int MaxConcurrency { get; init; } = Math.Max(1, System.Environment.ProcessorCount);

    /// <summary>Isolation policy.</summary>
    public SandboxIsolation Isolation { get; init; } = SandboxIsolation.Auto;

    /// <summary>First of <see cref="SandboxUidCount"/> uids (none may be in /etc/passwd) that programs run as when Sift runs as root; each run leases one.</summary>
    public int SandboxUidBase { get; init; } = 64000;

    /// <summary>Number of sandbox uids (an upper bound on concurrent runs across all Sift processes on the machine).</summary>
    public int SandboxUidCount { get; init; } = 256;

    /// <summary>Extra environment variables for the program (it gets no others besides PATH, HOME, TMPDIR, LANG and thread counts of 1).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra time allowed after <see cref="Timeout"/> before the launcher itself is killed (it normally ends the run first).</summary>
    internal TimeSpan LauncherGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The default interpreter: <c>SIFT_PYTHON</c>, else Debian's <c>/usr/bin/python3</c> (where sympy is packaged), else <c>python3</c>.</summary>
    public static string DefaultPython()
    {
        var env = System.Environment.GetEnvironmentVariable("SIFT_PYTHON");
        if (!string.IsNullOrWhiteSpace(env))
        {
            return env;
        }

        return File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    }

    internal void Validate()
    {
        static void Positive(string name, double v)
        {
            if (!(v > 0))
            {
                throw new ArgumentOutOfRangeException(name, v, $"{name} must be positive");
            }
        }

        Positive(nameof(Timeout), Timeout.TotalSeconds);
        Positive(nameof(CpuSeconds), CpuSeconds);
        Positive(nameof(MemoryBytes), MemoryBytes);
        Positive(nameof(FileSizeBytes), FileSizeBytes);
        Positive(nameof(DiskBytes), DiskBytes);
        Positive(nameof(MaxProcesses), MaxProcesses);
        Positive(nameof(MaxOpenFiles), MaxOpenFiles);
        Positive(nameof(OutputLimitBytes), OutputLimitBytes);
        Positive(nameof(MaxOutputBytes), MaxOutputBytes);
        Positive(nameof(MaxConcurrency), MaxConcurrency);
        Positive(nameof(SandboxUidCount), SandboxUidCount);
        if (SandboxUidBase <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SandboxUidBase), SandboxUidBase, "the sandbox uids must be above 0");
        }
    }
}
