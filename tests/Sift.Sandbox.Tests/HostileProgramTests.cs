using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Sift.Sandbox.Tests;

/// <summary>Shares one sandbox (full isolation where available) across the hostile-program tests of one class.</summary>
public sealed class SandboxFixture : IDisposable
{
    /// <summary>
    /// Above the default range (SandboxOptions: 64000–64255), which the Eval and Pipelines test assemblies lease
    /// while this one runs in parallel: "nothing left behind" must only see this class's own runs.
    /// </summary>
    public const int UidBase = 64300;

    public PythonSandbox Sandbox { get; } = new(Sandboxes.Tight(UidBase));

    public SandboxProfile Profile => Sandbox.GetProfileAsync().GetAwaiter().GetResult();

    public void Dispose() => Sandbox.Dispose();
}

/// <summary>
/// Each protection is checked by running a program that tries to break it. Tests in this class run one after
/// another (xunit runs a class sequentially), so at most one hostile program is loose at a time.
/// </summary>
public sealed class HostileProgramTests(SandboxFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxFixture>
{
    private readonly PythonSandbox _sandbox = fixture.Sandbox;

    private async Task<CodeResult> Run(string code)
    {
        var r = await _sandbox.RunAsync(code);
        output.WriteLine($"{r.Outcome} in {r.Seconds:F2} s, exit {r.ExitCode}, note: {r.Note}");
        output.WriteLine("stdout: " + HarnessConventions.Truncate(r.Stdout, 600));
        output.WriteLine("stderr: " + HarnessConventions.Truncate(r.Stderr, 600));
        return r;
    }

    private void AssertNothingLeft()
    {
        if (!fixture.Profile.DropsPrivileges)
        {
            return; // without a dedicated uid there is no uid to look for; ProcessesWithToken tests cover it
        }

        var left = Sandboxes.ProcessesOfUids(SandboxFixture.UidBase, 16);
        for (int i = 0; i < 50 && left.Count > 0; i++)
        {
            Thread.Sleep(20); // a killed process can take a moment to be reaped
            left = Sandboxes.ProcessesOfUids(SandboxFixture.UidBase, 16);
        }

        Assert.Empty(left);
    }

    private bool Requires(bool condition, string what)
    {
        if (!condition)
        {
            output.WriteLine($"skipped: {what} is not available here ({fixture.Profile.Describe()})");
        }

        return condition;
    }

    [Fact]
    public void ProfileIsFullOnRootLinux()
    {
        var p = fixture.Profile;
        output.WriteLine(p.Describe());
        Assert.Null(p.Error);
        if (OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess)
        {
            // As root the dedicated uid (and with it the process limit) is always available.
            Assert.True(p.DropsPrivileges);
            Assert.True(p.ProcessLimit);
            // Namespaces depend on the host (a locked-down container refuses them): an independent probe decides
            // what the profile must say, so a missed detection fails here and a refusing host is reported, not failed.
            bool hostAllows = UnshareWorks();
            output.WriteLine($"unshare --net --pid --mount --ipc --fork: {(hostAllows ? "works" : "refused by this host")}");
            Assert.Equal(hostAllows, p.Namespaces);
        }
    }

    private static bool UnshareWorks()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", "--net --pid --mount --ipc --fork true")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            probe.WaitForExit(10_000);
            return probe.HasExited && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no unshare binary: the launcher cannot have namespaces either
        }
    }

    [Fact]
    public async Task PlainProgramRunsAndExitStatusIsReported()
    {
        var ok = await Run("print(6 * 7)");
        Assert.Equal(CodeOutcome.Ok, ok.Outcome);
        Assert.Equal("42\n", ok.Stdout);
        Assert.Equal(0, ok.ExitCode);

        var err = await Run("print('before')\n1 / 0\n");
        Assert.Equal(CodeOutcome.Error, err.Outcome);
        Assert.Equal(1, err.ExitCode);
        Assert.Equal("ZeroDivisionError: division by zero", HarnessConventions.LastTracebackLine(err.Stderr));

        var exit = await Run("import sys\nsys.exit(3)");
        Assert.Equal(CodeOutcome.Error, exit.Outcome);
        Assert.Equal(3, exit.ExitCode);

        var syntax = await Run("def f(:\n");
        Assert.Equal(CodeOutcome.Error, syntax.Outcome);
        Assert.StartsWith("SyntaxError", HarnessConventions.LastTracebackLine(syntax.Stderr));
    }

    [Fact]
    public async Task StdinIsEmpty()
    {
        var r = await Run("x = input()");
        Assert.Equal(CodeOutcome.Error, r.Outcome);
        Assert.StartsWith("EOFError", HarnessConventions.LastTracebackLine(r.Stderr));
    }

    [Fact]
    public async Task InfiniteLoopIsKilledAtTheWallClock()
    {
        var sw = Stopwatch.StartNew();
        using var quick = new PythonSandbox(Sandboxes.Tight(SandboxFixture.UidBase) with { Timeout = TimeSpan.FromSeconds(1) });
        var r = await quick.RunAsync("while True:\n    pass\n");
        output.WriteLine($"{r.Outcome}: {r.Note} ({r.Seconds:F2} s)");
        Assert.Equal(CodeOutcome.Timeout, r.Outcome);
        Assert.Contains("wall-clock", r.Note);
        Assert.EndsWith("sift-sandbox: " + r.Note + "\n", r.Stderr);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed}");
        AssertNothingLeft();
    }

    [Fact]
    public async Task CpuLimitKillsABusyLoopBeforeTheWallClock()
    {
        // Wall clock far away: only RLIMIT_CPU can end this run.
        using var cpu = new PythonSandbox(Sandboxes.Tight(SandboxFixture.UidBase) with { Timeout = TimeSpan.FromSeconds(60), CpuSeconds = 1 });
        var r = await cpu.RunAsync("while True:\n    pass\n");
        output.WriteLine($"{r.Outcome}: {r.Note} ({r.Seconds:F2} s)");
        Assert.Equal(CodeOutcome.Timeout, r.Outcome);
        Assert.Contains("CPU limit", r.Note);
        AssertNothingLeft();
    }

    [Fact]
    public async Task ForkBombIsContained()
    {
        using var quick = new PythonSandbox(Sandboxes.Tight(SandboxFixture.UidBase) with { Timeout = TimeSpan.FromSeconds(2) });
        var r = await quick.RunAsync("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n");
        output.WriteLine($"{r.Outcome}: {r.Note}");
        Assert.NotEqual(CodeOutcome.Ok, r.Outcome);
        AssertNothingLeft();
        var after = await Run("print('still fine')");
        Assert.Equal(CodeOutcome.Ok, after.Outcome);
    }

    [Fact]
    public async Task ProcessCountIsLimitedAndSleepingChildrenDoNotOutliveTheRun()
    {
        var sw = Stopwatch.StartNew();
        var r = await Run("""
            import os, time
            n = 0
            for i in range(40):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(60)
                    os._exit(0)
                n += 1
            print(n)
            """);
        Assert.Equal(CodeOutcome.Ok, r.Outcome);
        int children = int.Parse(r.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (Requires(fixture.Profile.ProcessLimit, "a process limit"))
        {
            Assert.InRange(children, 1, 7); // 8 processes in all, the parent included
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the run waited for its sleeping children");
        AssertNothingLeft();
    }

    [Fact]
    public async Task DetachedGrandchildIsKilledAfterTheParentExits()
    {
        string token = "sift-orphan-" + Guid.NewGuid().ToString("N");
        var sw = Stopwatch.StartNew();
        var r = await Run($$"""
            import os, subprocess, sys
            # A new session and a double fork: neither the process group nor the parent's death reaches it.
            if os.fork() == 0:
                os.setsid()
                subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{{token}}'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                os._exit(0)
            os.wait()
            print('parent exits')
            """);
        Assert.Equal(CodeOutcome.Ok, r.Outcome);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the run waited for the orphan");
        var left = Sandboxes.ProcessesWithToken(token);
        for (int i = 0; i < 50 && left.Count > 0; i++)
        {
            Thread.Sleep(20);
            left = Sandboxes.ProcessesWithToken(token);
        }

        Assert.Empty(left);
        AssertNothingLeft();
    }

    [Fact]
    public async Task TenGigabyteAllocationIsAMemoryLimit()
    {
        var r = await Run("x = bytearray(10 * 1024 ** 3)\nprint(len(x))");
        Assert.Equal(CodeOutcome.ResourceLimit, r.Outcome);
        Assert.Contains("memory limit", r.Note);
        Assert.Equal("MemoryError", HarnessConventions.LastTracebackLine(r.Stderr));

        var gradual = await Run("chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n");
        Assert.Equal(CodeOutcome.ResourceLimit, gradual.Outcome);
        AssertNothingLeft();
    }

    [Fact]
    public async Task LargeFileIsAFileSizeLimit()
    {
        var r = await Run("with open('big.bin', 'wb') as f:\n    f.write(b'x' * (3 * 1024 * 1024))\n");
        Assert.Equal(CodeOutcome.ResourceLimit, r.Outcome);
        Assert.Contains("file-size limit", r.Note);
    }

    [Fact]
    public async Task ManySmallFilesHitTheDiskLimit()
    {
        if (!Requires(fixture.Profile.Namespaces, "a private tmpfs"))
        {
            return;
        }

        // 8 MiB tmpfs, files under the 1 MiB file-size limit.
        var r = await Run("for i in range(40):\n    with open(f'part{i}', 'wb') as f:\n        f.write(b'x' * 900_000)\n");
        Assert.Equal(CodeOutcome.ResourceLimit, r.Outcome);
        Assert.Contains("disk limit", r.Note);
    }

    [Fact]
    public async Task WritesOutsideTheWorkingDirectoryFailOrVanish()
    {
        string token = Guid.NewGuid().ToString("N");
        // A world-writable host directory outside /tmp: only a read-only mount (namespaces) protects it from a dropped uid.
        string open = Path.Combine(AppContext.BaseDirectory, "sift-open-" + token);
        Directory.CreateDirectory(open);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(open, (UnixFileMode)0x1FF); // 0777
        }

        string repoFile = Path.Combine(AppContext.BaseDirectory, "escape-" + token);
        string[] targets =
        [
            "/etc/sift-escape-" + token,
            repoFile,
            Path.Combine(open, "escape.txt"),
            "/tmp/sift-escape-" + token,
            "/var/tmp/sift-escape-" + token,
            "/dev/shm/sift-escape-" + token,
        ];
        try
        {
            var list = string.Join(", ", targets.Select(t => $"'{t}'"));
            var r = await Run($$"""
                results = {}
                for p in [{{list}}]:
                    try:
                        with open(p, 'w') as f:
                            f.write('escaped')
                        results[p] = 'written'
                    except OSError as e:
                        results[p] = type(e).__name__
                with open('inside.txt', 'w') as f:
                    f.write('ok')
                print(open('inside.txt').read())
                print(results)
                """);
            Assert.Equal(CodeOutcome.Ok, r.Outcome);
            Assert.StartsWith("ok\n", r.Stdout);
            Assert.False(File.Exists(targets[0]), "wrote to /etc");
            Assert.False(File.Exists(repoFile), "wrote beside the test binaries");
            if (Requires(fixture.Profile.Namespaces, "a read-only filesystem with a private /tmp"))
            {
                // EROFS (not a permission check); a checkout under /tmp is hidden by the private tmpfs instead (ENOENT).
                bool hidden = new[] { "/tmp/", "/var/tmp/", "/dev/shm/" }.Any(d => targets[2].StartsWith(d, StringComparison.Ordinal));
                Assert.Contains($"'{targets[2]}': '{(hidden ? "FileNotFoundError" : "OSError")}'", r.Stdout);
                foreach (var t in targets)
                {
                    Assert.False(File.Exists(t), $"{t} appeared on the host");
                }
            }
        }
        finally
        {
            Directory.Delete(open, recursive: true);
            foreach (var t in targets)
            {
                if (File.Exists(t))
                {
                    File.Delete(t);
                }
            }
        }
    }

    [Fact]
    public async Task WorkingDirectoryIsPrivateToEachRun()
    {
        var first = await Run("import os\nopen('left-over.txt', 'w').write('x')\nprint(os.getcwd())");
        Assert.Equal(CodeOutcome.Ok, first.Outcome);
        var second = await Run("import os\nprint(os.path.exists('left-over.txt'), os.listdir('.'))");
        Assert.Equal(CodeOutcome.Ok, second.Outcome);
        Assert.StartsWith("False ['main.py']", second.Stdout);
        if (!fixture.Profile.Namespaces)
        {
            Assert.False(Directory.Exists(first.Stdout.Trim()), "the working directory was not removed");
        }
    }

    [Fact]
    public async Task ParentEnvironmentIsNotVisible()
    {
        string secret = "sift-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable("SIFT_SANDBOX_TEST_SECRET", secret);
        try
        {
            int me = Environment.ProcessId;
            var r = await Run($$"""
                import os
                print(sorted(os.environ))
                print('{{secret}}' in repr(dict(os.environ)))
                for path in ['/proc/{{me}}/environ', '/proc/1/environ', '/proc/{{me}}/cmdline']:
                    try:
                        data = open(path, 'rb').read()
                        print(path, 'read', len(data))
                    except OSError as e:
                        print(path, type(e).__name__)
                """);
            Assert.Equal(CodeOutcome.Ok, r.Outcome);
            Assert.DoesNotContain(secret, r.Stdout);
            var lines = r.Stdout.Split('\n');
            Assert.Equal("['HOME', 'LANG', 'LC_ALL', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH', 'PYTHONIOENCODING', 'TMPDIR']", lines[0]);
            Assert.Equal("False", lines[1]);
            Assert.DoesNotContain(" read ", lines[2]); // the test host's environment
            if (fixture.Profile.DropsPrivileges)
            {
                Assert.DoesNotContain(" read ", lines[3]); // the sandbox's own root-owned init/launcher
            }

            if (Requires(fixture.Profile.Namespaces, "a private /proc"))
            {
                Assert.Contains("FileNotFoundError", lines[4]); // host processes are not even listed
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("SIFT_SANDBOX_TEST_SECRET", null);
        }
    }

    [Fact]
    public async Task HugeOutputIsTruncatedAndStopped()
    {
        var flood = await Run("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n");
        Assert.Equal(CodeOutcome.ResourceLimit, flood.Outcome);
        Assert.Contains("output limit", flood.Note);
        Assert.True(flood.Truncated);
        Assert.InRange(flood.Stdout.Length, 1, 4096 + 100);

        // Under the kill threshold: the head and the tail (where answers are printed) are both kept.
        var lines = await Run("for i in range(20000):\n    print(i)\n");
        Assert.Equal(CodeOutcome.Ok, lines.Outcome);
        Assert.True(lines.Truncated);
        Assert.StartsWith("0\n1\n2\n", lines.Stdout);
        Assert.EndsWith("19998\n19999\n", lines.Stdout);
        Assert.Contains("bytes cut by the sandbox", lines.Stdout);
        AssertNothingLeft();
    }

    [Fact]
    public async Task NetworkIsUnreachable()
    {
        if (!Requires(fixture.Profile.Namespaces, "a network namespace"))
        {
            return;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var r = await Run($$"""
            import socket
            for host, port in [('127.0.0.1', {{port}}), ('10.0.0.1', 80)]:
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    print(host, 'connected')
                except OSError as e:
                    print(host, type(e).__name__, e.errno)
            try:
                socket.getaddrinfo('example.com', 80)
                print('dns resolved')
            except OSError as e:
                print('dns', type(e).__name__)
            """);
        Assert.Equal(CodeOutcome.Ok, r.Outcome);
        Assert.DoesNotContain("connected", r.Stdout);
        Assert.DoesNotContain("dns resolved", r.Stdout);
        Assert.False(listener.Pending(), "the program reached the host's loopback");
    }

    [Fact]
    public async Task PrivilegesAndLimitsCannotBeRegained()
    {
        var r = await Run("""
            import os, resource
            print('uid', os.getuid())
            for attempt in ['setuid', 'rlimit']:
                try:
                    if attempt == 'setuid':
                        os.setuid(0)
                    else:
                        resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                    print(attempt, 'succeeded')
                except (OSError, ValueError) as e:
                    print(attempt, type(e).__name__)
            print([l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0].strip())
            """);
        Assert.Equal(CodeOutcome.Ok, r.Outcome);
        Assert.DoesNotContain("succeeded", r.Stdout);
        Assert.Contains("NoNewPrivs:\t1", r.Stdout);
        if (fixture.Profile.DropsPrivileges)
        {
            Assert.DoesNotContain("uid 0\n", r.Stdout);
        }
    }

    [Fact]
    public async Task CancellationKillsTheRunAndThrows()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _sandbox.RunAsync("import time\ntime.sleep(30)\n", cts.Token));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        AssertNothingLeft();
    }
}
