using System.Diagnostics;
using Xunit.Abstractions;

namespace Sift.Sandbox.Tests;

/// <summary>
/// The fallback for machines without namespaces (forced here with <see cref="SandboxIsolation.Basic"/>): limits, the
/// dropped uid, process clean-up and the removed working directory must still hold.
/// </summary>
public sealed class BasicIsolationTests(ITestOutputHelper output)
{
    private const int UidBase = 64400; // outside the default range and HostileProgramTests' (see there)

    [Fact]
    public async Task BasicModeStillContainsHostilePrograms()
    {
        using var sandbox = new PythonSandbox(Sandboxes.Tight(UidBase, SandboxIsolation.Basic));
        var profile = await sandbox.GetProfileAsync();
        output.WriteLine(profile.Describe());
        Assert.Null(profile.Error);
        Assert.False(profile.Namespaces);
        Assert.Contains(profile.Notes, n => n.StartsWith("network: NOT isolated", StringComparison.Ordinal));

        var cwd = await sandbox.RunAsync("import os\nopen('x.txt', 'w').write('x')\nprint(os.getcwd())");
        Assert.Equal(CodeOutcome.Ok, cwd.Outcome);
        string workdir = cwd.Stdout.Trim();
        Assert.StartsWith(Path.GetTempPath().TrimEnd('/'), workdir);
        Assert.False(Directory.Exists(workdir), "the private working directory was not removed");

        var memory = await sandbox.RunAsync("x = bytearray(10 * 1024 ** 3)");
        Assert.Equal(CodeOutcome.ResourceLimit, memory.Outcome);

        string token = "sift-orphan-" + Guid.NewGuid().ToString("N");
        var sw = Stopwatch.StartNew();
        var orphan = await sandbox.RunAsync($$"""
            import os, subprocess, sys
            if os.fork() == 0:
                os.setsid()
                subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{{token}}'], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                os._exit(0)
            os.wait()
            """);
        Assert.Equal(CodeOutcome.Ok, orphan.Outcome);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the run waited for the orphan");
        Thread.Sleep(50);
        Assert.Empty(Sandboxes.ProcessesWithToken(token));

        using var quick = new PythonSandbox(Sandboxes.Tight(UidBase, SandboxIsolation.Basic) with { Timeout = TimeSpan.FromSeconds(2) });
        var bomb = await quick.RunAsync("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n");
        output.WriteLine($"fork bomb: {bomb.Outcome} {bomb.Note}");
        Assert.NotEqual(CodeOutcome.Ok, bomb.Outcome);
        if (profile.DropsPrivileges)
        {
            var left = Sandboxes.ProcessesOfUids(UidBase, 16);
            for (int i = 0; i < 50 && left.Count > 0; i++)
            {
                Thread.Sleep(20);
                left = Sandboxes.ProcessesOfUids(UidBase, 16);
            }

            Assert.Empty(left);
        }

        var env = await sandbox.RunAsync("import os\nprint(sorted(os.environ))");
        Assert.Equal("['HOME', 'LANG', 'LC_ALL', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'PATH', 'PYTHONIOENCODING', 'TMPDIR']\n", env.Stdout);
    }

    [Fact]
    public async Task MissingPythonIsAStartFailureNotAnException()
    {
        using var sandbox = new PythonSandbox(Sandboxes.Tight(UidBase) with { PythonPath = "/nonexistent/python3" });
        var r = await sandbox.RunAsync("print(1)");
        output.WriteLine(r.Note);
        Assert.Equal(CodeOutcome.StartFailed, r.Outcome);
        Assert.Contains("/nonexistent/python3", r.Note);
        Assert.NotNull((await sandbox.GetProfileAsync()).Error);
    }
}
