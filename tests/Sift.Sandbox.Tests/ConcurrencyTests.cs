using System.Globalization;
using Xunit.Abstractions;

namespace Sift.Sandbox.Tests;

/// <summary>The executor's limiter: no more than MaxConcurrency programs alive at once, whatever the callers do.</summary>
public sealed class ConcurrencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task NoMoreThanMaxConcurrencyProgramsRunAtOnce()
    {
        using var sandbox = new PythonSandbox(Sandboxes.Tight(64200) with { MaxConcurrency = 2, Timeout = TimeSpan.FromSeconds(20) });
        // CLOCK_MONOTONIC is shared by every process on the machine, so the programs' own intervals can be compared.
        const string program = "import time\nt0 = time.monotonic()\ntime.sleep(0.4)\nprint(t0, time.monotonic())\n";
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => sandbox.RunAsync(program)));
        var spans = results.Select(r =>
        {
            Assert.Equal(CodeOutcome.Ok, r.Outcome);
            var f = r.Stdout.Split(' ');
            return (Start: double.Parse(f[0], CultureInfo.InvariantCulture), End: double.Parse(f[1], CultureInfo.InvariantCulture));
        }).ToList();
        int peak = spans.Max(s => spans.Count(o => o.Start <= s.Start && s.Start < o.End));
        output.WriteLine($"peak concurrency {peak}");
        Assert.InRange(peak, 1, 2);
    }
}
