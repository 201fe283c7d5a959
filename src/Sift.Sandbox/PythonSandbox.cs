using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sift.Sandbox;

/// <summary>
/// Runs model-written Python programs as <c>python3</c> subprocesses under a wall-clock timeout, CPU, memory,
/// file-size, process and open-file limits, with an empty environment and, where Linux allows it, no network, a
/// read-only filesystem with a private tmpfs working directory, and a pid namespace so nothing outlives the run.
/// The launcher (<c>Launcher/launcher.py</c>) does the set-up; what is in force is in <see cref="GetProfileAsync"/>.
/// Thread-safe; at most <see cref="SandboxOptions.MaxConcurrency"/> programs run at once.
/// </summary>
public sealed class PythonSandbox : ICodeExecutor, IDisposable
{
    private const string ProbeProgram = "import os\nprint(os.getpid(), os.getuid())\n";
    private static readonly Lazy<string> LauncherSource = new(LoadLauncher);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    private readonly SandboxOptions _options;
    private readonly SemaphoreSlim _limiter;
    private readonly Lazy<Task<(SandboxProfile Profile, Plan Plan)>> _profile;

    /// <summary>Creates an executor; the isolation probe runs on first use.</summary>
    public PythonSandbox(SandboxOptions? options = null)
    {
        _options = options ?? new SandboxOptions();
        _options.Validate();
        _limiter = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        _profile = new Lazy<Task<(SandboxProfile, Plan)>>(ProbeAsync);
    }

    /// <summary>The options in force.</summary>
    public SandboxOptions Options => _options;

    /// <summary>How a run of the probe program on a given isolation plan went (for the profile's notes).</summary>
    private readonly record struct Plan(bool Namespaces, bool UserNamespace, bool DropUid, bool ProcessLimit);

    /// <summary>What isolation is available and used (probed once by running a small program).</summary>
    public async Task<SandboxProfile> GetProfileAsync(CancellationToken cancel = default) =>
        (await _profile.Value.WaitAsync(cancel).ConfigureAwait(false)).Profile;

    /// <inheritdoc />
    public async Task<CodeResult> RunAsync(string code, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        var (profile, plan) = await _profile.Value.WaitAsync(cancel).ConfigureAwait(false);
        if (profile.Error is not null)
        {
            return Failed(CodeOutcome.StartFailed, "", "", null, 0, false, profile.Error);
        }

        await _limiter.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await RunLeasedAsync(code, plan, _options.Timeout, cancel).ConfigureAwait(false);
        }
        finally
        {
            _limiter.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _limiter.Dispose();

    private async Task<CodeResult> RunLeasedAsync(string code, Plan plan, TimeSpan timeout, CancellationToken cancel)
    {
        if (!plan.DropUid)
        {
            return await RunOnceAsync(code, plan, null, timeout, cancel).ConfigureAwait(false);
        }

        using var lease = UidLease.TryAcquire(_options.SandboxUidBase, _options.SandboxUidCount);
        if (lease is null)
        {
            return Failed(CodeOutcome.StartFailed, "", "", null, 0, false,
                $"all {_options.SandboxUidCount} sandbox uids from {_options.SandboxUidBase} are in use (SandboxOptions.SandboxUidCount)");
        }

        return await RunOnceAsync(code, plan, lease.Uid, timeout, cancel).ConfigureAwait(false);
    }

    private async Task<(SandboxProfile, Plan)> ProbeAsync()
    {
        static (SandboxProfile, Plan) Unavailable(string why) => (new SandboxProfile(false, false, false, false, [], why), default);
        if (!OperatingSystem.IsLinux())
        {
            return Unavailable("the Python sandbox needs Linux (namespaces, rlimits, /proc)");
        }

        bool root = Environment.IsPrivilegedProcess;
        if (root)
        {
            var taken = UidLease.ConflictingAccounts(_options.SandboxUidBase, _options.SandboxUidCount);
            if (taken.Count > 0)
            {
                return Unavailable($"sandbox uids {_options.SandboxUidBase}–{_options.SandboxUidBase + _options.SandboxUidCount - 1} include real accounts ({string.Join(", ", taken)}); set SandboxOptions.SandboxUidBase to a free range");
            }
        }

        string? namespaceFailure = _options.Isolation == SandboxIsolation.Basic ? "namespaces turned off (SandboxIsolation.Basic)" : null;
        if (_options.Isolation != SandboxIsolation.Basic)
        {
            var plan = new Plan(Namespaces: true, UserNamespace: !root, DropUid: root, ProcessLimit: true);
            namespaceFailure = await TryPlanAsync(plan).ConfigureAwait(false);
            if (namespaceFailure is null)
            {
                return (new SandboxProfile(true, !root, root, true, Notes(plan, null)), plan);
            }

            if (_options.Isolation == SandboxIsolation.Namespaces)
            {
                return Unavailable("namespaces unavailable: " + namespaceFailure);
            }
        }

        // Without namespaces and without root, RLIMIT_NPROC would count every process of the caller's uid.
        var basic = new Plan(Namespaces: false, UserNamespace: false, DropUid: root, ProcessLimit: root);
        var basicFailure = await TryPlanAsync(basic).ConfigureAwait(false);
        return basicFailure is null ? (new SandboxProfile(false, false, root, root, Notes(basic, namespaceFailure)), basic) : Unavailable(basicFailure);
    }

    /// <summary>Runs the probe program on a plan; null when it ran as expected, else why not.</summary>
    private async Task<string?> TryPlanAsync(Plan plan)
    {
        // A generous clock: on a loaded machine interpreter start-up alone can take seconds, and a slow probe must not
        // be mistaken for missing isolation.
        var probeTimeout = _options.Timeout > ProbeTimeout ? _options.Timeout : ProbeTimeout;
        var r = await RunLeasedAsync(ProbeProgram, plan, probeTimeout, CancellationToken.None).ConfigureAwait(false);
        if (r.Outcome != CodeOutcome.Ok)
        {
            return $"{r.Outcome}: {r.Note ?? LastLine(r.Stderr)}";
        }

        var fields = r.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (plan.Namespaces && (fields.Length < 1 || fields[0] != "2"))
        {
            return $"the program did not run in a new pid namespace (pid {r.Stdout.Trim()})";
        }

        return null;
    }

    private List<string> Notes(Plan plan, string? namespaceFailure)
    {
        var o = _options;
        var notes = new List<string>
        {
            $"limits: {o.Timeout.TotalSeconds:0.###} s wall clock, {o.CpuSeconds} s CPU, {Mib(o.MemoryBytes)} address space, {Mib(o.FileSizeBytes)} per file, {o.MaxOpenFiles} open files, output kept {o.OutputLimitBytes / 1024} KiB per stream",
            "environment: empty (PATH, HOME, TMPDIR, LANG and thread counts only)",
        };
        if (plan.Namespaces)
        {
            notes.Add("network: none (own network namespace)");
            notes.Add($"files: read-only filesystem except a private {Mib(o.DiskBytes)} tmpfs at /tmp (also /var/tmp, /dev/shm, /run/lock), discarded after the run");
            notes.Add("processes: own pid namespace and /proc; nothing outlives the run");
        }
        else
        {
            notes.Add($"network: NOT isolated ({namespaceFailure})");
            notes.Add(plan.DropUid
                ? "files: private working directory, removed after the run; world-writable directories (/tmp, /var/tmp, /dev/shm) stay writable"
                : "files: private working directory, removed after the run; the program can write wherever this user can");
            notes.Add("processes: left-over processes are killed after the run (child subreaper" + (plan.DropUid ? " and the sandbox uid)" : ")"));
        }

        notes.Add(plan.DropUid
            ? $"user: a dedicated uid per run ({o.SandboxUidBase}–{o.SandboxUidBase + o.SandboxUidCount - 1}), no_new_privs; at most {o.MaxProcesses} processes"
            : plan.UserNamespace
                ? $"user: your own uid inside a user namespace, no_new_privs; at most {o.MaxProcesses} processes"
                : "user: your own uid, no_new_privs; process count NOT limited (needs root or user namespaces)");
        return notes;
    }

    private static string Mib(long bytes) => bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : $"{bytes / (double)(1 << 20):0.#} MiB";

    private async Task<CodeResult> RunOnceAsync(string code, Plan plan, int? uid, TimeSpan timeout, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        string runDir;
        try
        {
            runDir = Directory.CreateTempSubdirectory("sift-sandbox-").FullName; // mkdtemp: 0700, ours
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(CodeOutcome.StartFailed, "", "", null, sw.Elapsed.TotalSeconds, false, "cannot create a temporary directory: " + e.Message);
        }

        try
        {
            if (OperatingSystem.IsLinux() && !plan.Namespaces && uid is not null)
            {
                // The sandbox uid may pass through (to its work/ directory) but not list or touch the status file.
                File.SetUnixFileMode(runDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }

            return await ExecuteAsync(code, plan, uid, timeout, runDir, sw, cancel).ConfigureAwait(false);
        }
        finally
        {
            DeleteQuietly(runDir);
        }
    }

    private async Task<CodeResult> ExecuteAsync(string code, Plan plan, int? uid, TimeSpan timeout, string runDir, Stopwatch sw, CancellationToken cancel)
    {
        var o = _options;
        string statusPath = Path.Combine(runDir, "status");
        var psi = new ProcessStartInfo(o.PythonPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = runDir,
        };
        foreach (var a in new[] { "-I", "-S", "-c", LauncherSource.Value })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        psi.Environment["LANG"] = "C.UTF-8";

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return Failed(CodeOutcome.StartFailed, "", "", null, sw.Elapsed.TotalSeconds, false, $"cannot start {o.PythonPath}: {e.Message} (set SandboxOptions.PythonPath or SIFT_PYTHON)");
        }

        using (process)
        {
            int pid = process.Id;
            var stdout = new BoundedCapture(o.OutputLimitBytes);
            var stderr = new BoundedCapture(o.OutputLimitBytes);
            int stopRequested = 0;
            bool outputLimit = false;
            void OnData()
            {
                if (stdout.Total + stderr.Total > o.MaxOutputBytes && Interlocked.Exchange(ref stopRequested, 1) == 0)
                {
                    outputLimit = true;
                    Native.Signal(pid, Native.SigTerm); // the launcher kills the program tree and reports "cancelled"
                }
            }

            var pumps = Task.WhenAll(
                stdout.PumpAsync(process.StandardOutput.BaseStream, OnData),
                stderr.PumpAsync(process.StandardError.BaseStream, OnData));
            await WriteInputAsync(process, Settings(plan, uid, timeout, runDir, statusPath), code).ConfigureAwait(false);

            bool hung = false;
            using (cancel.Register(() => Native.Signal(pid, Native.SigTerm)))
            {
                if (!await WaitForExitAsync(process, timeout + o.LauncherGrace).ConfigureAwait(false))
                {
                    // The launcher itself did not end the run in time: kill its whole session.
                    hung = true;
                    Native.SignalGroup(pid, Native.SigKill);
                    Native.Signal(pid, Native.SigKill);
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            try
            {
                await pumps.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Something still holds the pipes (only possible if the launcher was killed); stop reading.
                process.StandardOutput.BaseStream.Dispose();
                process.StandardError.BaseStream.Dispose();
            }

            var status = ReadStatus(statusPath);
            // Cancelled by the caller: throw whatever the launcher managed to record. Under load the SIGTERM can
            // arrive before the launcher has installed its handler, and then it dies without writing a status.
            if (cancel.IsCancellationRequested && !outputLimit)
            {
                throw new OperationCanceledException(cancel);
            }

            string outText, errText;
            lock (stdout)
            {
                outText = stdout.ToString();
            }

            lock (stderr)
            {
                errText = stderr.ToString();
            }

            bool truncated = stdout.Truncated || stderr.Truncated;
            return Classify(status, outText, errText, truncated, sw.Elapsed.TotalSeconds, hung, outputLimit, process.ExitCode, timeout);
        }
    }

    private JsonObject Settings(Plan plan, int? uid, TimeSpan timeout, string runDir, string statusPath)
    {
        var o = _options;
        var env = new JsonObject
        {
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
            ["LANG"] = "C.UTF-8",
            ["LC_ALL"] = "C.UTF-8",
            ["PYTHONIOENCODING"] = "utf-8",
            ["OPENBLAS_NUM_THREADS"] = "1", // OpenBLAS spins on thread creation under a tight RLIMIT_AS
            ["OMP_NUM_THREADS"] = "1",
            ["MKL_NUM_THREADS"] = "1",
        };
        string work = plan.Namespaces ? "/tmp" : Path.Combine(runDir, "work");
        env["HOME"] = work;
        env["TMPDIR"] = work;
        foreach (var (k, v) in o.Environment)
        {
            env[k] = v;
        }

        return new JsonObject
        {
            ["python"] = o.PythonPath,
            ["status"] = statusPath,
            ["workdir"] = Path.Combine(runDir, "work"),
            ["namespaces"] = plan.Namespaces,
            ["userns"] = plan.UserNamespace,
            ["uid"] = uid,
            ["gid"] = uid,
            ["timeout"] = timeout.TotalSeconds,
            ["tmpfs_bytes"] = o.DiskBytes,
            ["limits"] = new JsonObject
            {
                ["cpu"] = o.CpuSeconds,
                ["as"] = o.MemoryBytes,
                ["fsize"] = o.FileSizeBytes,
                ["nproc"] = plan.ProcessLimit ? o.MaxProcesses : null,
                ["nofile"] = o.MaxOpenFiles,
            },
            ["env"] = env,
        };
    }

    private static async Task WriteInputAsync(Process process, JsonObject settings, string code)
    {
        try
        {
            var stdin = process.StandardInput.BaseStream;
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(settings.ToJsonString() + "\n")).ConfigureAwait(false);
            await stdin.WriteAsync(new UTF8Encoding(false).GetBytes(code)).ConfigureAwait(false);
            await stdin.FlushAsync().ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The launcher died before reading its input; its exit is classified below.
        }
    }

    private static async Task<bool> WaitForExitAsync(Process process, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The launcher's JSON status lines, merged (later lines add to earlier ones).</summary>
    private sealed class RunStatus
    {
        public int? Exit { get; set; }
        public int? Signal { get; set; }
        public string? Killed { get; set; }
        public string? SetupError { get; set; }
        public double? CpuSeconds { get; set; }
        public bool Done { get; set; }
        public List<string> Notes { get; } = [];
    }

    private static RunStatus ReadStatus(string path)
    {
        var s = new RunStatus();
        if (!File.Exists(path))
        {
            return s;
        }

        foreach (var line in File.ReadLines(path))
        {
            JsonObject? o;
            try
            {
                o = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException)
            {
                continue;
            }

            if (o is null)
            {
                continue;
            }

            if (o["exit"] is JsonValue e)
            {
                s.Exit = e.GetValue<int>();
            }

            if (o["signal"] is JsonValue sig)
            {
                s.Signal = sig.GetValue<int>();
            }

            if (o["cpu"] is JsonValue cpu)
            {
                s.CpuSeconds = cpu.GetValue<double>();
            }

            s.Killed = o["killed"]?.GetValue<string>() ?? s.Killed;
            s.SetupError = o["setup_error"]?.GetValue<string>() ?? s.SetupError;
            if (o["note"]?.GetValue<string>() is string note)
            {
                s.Notes.Add(note);
            }

            s.Done |= o["done"] is not null;
        }

        return s;
    }

    private CodeResult Classify(RunStatus s, string stdout, string stderr, bool truncated, double seconds, bool hung, bool outputLimit, int launcherExit, TimeSpan timeout)
    {
        var o = _options;
        CodeResult Result(CodeOutcome outcome, string? note) => Failed(outcome, stdout, stderr, s.Exit, seconds, truncated, note);
        if (hung)
        {
            return Result(CodeOutcome.Timeout, $"wall-clock limit of {timeout.TotalSeconds:0.###} s exceeded (the launcher had to be killed)");
        }

        if (outputLimit)
        {
            return Result(CodeOutcome.ResourceLimit, $"output limit of {o.MaxOutputBytes} bytes exceeded");
        }

        if (s.SetupError is not null)
        {
            return Result(CodeOutcome.StartFailed, s.SetupError);
        }

        if (s.Killed == "timeout")
        {
            return Result(CodeOutcome.Timeout, $"wall-clock limit of {timeout.TotalSeconds:0.###} s exceeded");
        }

        if (s.Signal is int sig)
        {
            bool cpuSpent = s.CpuSeconds >= o.CpuSeconds - 0.05;
            return sig switch
            {
                24 => Result(CodeOutcome.Timeout, $"CPU limit of {o.CpuSeconds} s exceeded (SIGXCPU)"),
                9 when cpuSpent => Result(CodeOutcome.Timeout, $"CPU limit of {o.CpuSeconds} s exceeded (SIGKILL)"),
                9 => Result(CodeOutcome.ResourceLimit, "killed by SIGKILL (out of memory?)"),
                25 => Result(CodeOutcome.ResourceLimit, $"file-size limit of {o.FileSizeBytes} bytes exceeded (SIGXFSZ)"),
                _ => Result(CodeOutcome.Error, $"killed by {Native.SignalName(sig)}"),
            };
        }

        if (s.Exit is int exit)
        {
            if (exit == 0)
            {
                return new CodeResult(CodeOutcome.Ok, stdout, stderr, 0, seconds, truncated, s.Notes.Count > 0 ? string.Join("; ", s.Notes) : null);
            }

            // Python turns most limits into exceptions; the last traceback line says which.
            string last = LastLine(stderr);
            string? limit = last.StartsWith("MemoryError", StringComparison.Ordinal) ? $"memory limit of {Mib(o.MemoryBytes)} reached"
                : last.Contains("[Errno 27]", StringComparison.Ordinal) ? $"file-size limit of {Mib(o.FileSizeBytes)} reached"
                : last.Contains("[Errno 11]", StringComparison.Ordinal) || last.Contains("can't start new thread", StringComparison.Ordinal) ? $"process limit of {o.MaxProcesses} reached"
                : last.Contains("[Errno 24]", StringComparison.Ordinal) ? $"open-file limit of {o.MaxOpenFiles} reached"
                : last.Contains("[Errno 28]", StringComparison.Ordinal) ? $"disk limit of {Mib(o.DiskBytes)} reached"
                : null;
            return limit is null
                ? new CodeResult(CodeOutcome.Error, stdout, stderr, exit, seconds, truncated)
                : new CodeResult(CodeOutcome.ResourceLimit, stdout, stderr, exit, seconds, truncated, limit);
        }

        return Result(CodeOutcome.StartFailed, $"the launcher ended without a result (exit status {launcherExit}): {LastLine(stderr)}");
    }

    /// <summary>A result the sandbox decided: its reason is kept in <see cref="CodeResult.Note"/> and appended to stderr.</summary>
    private static CodeResult Failed(CodeOutcome outcome, string stdout, string stderr, int? exit, double seconds, bool truncated, string? note)
    {
        string err = note is null ? stderr : stderr + (stderr.Length == 0 || stderr.EndsWith('\n') ? "" : "\n") + "sift-sandbox: " + note + "\n";
        return new CodeResult(outcome, stdout, err, exit, seconds, truncated, note);
    }

    private static string LastLine(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : "";
    }

    private static void DeleteQuietly(string dir)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(10); // a last write racing the kill; try again
            }
        }
    }

    private static string LoadLauncher()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Sift.Sandbox.launcher.py")
            ?? throw new InvalidOperationException("launcher.py is not embedded in Sift.Sandbox");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
