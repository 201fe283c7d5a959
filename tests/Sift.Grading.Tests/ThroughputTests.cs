using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Sift.Grading.Tests;

/// <summary>Prints (does not assert) grading throughput over MATH-500 golds, one core, both modes.</summary>
public sealed class ThroughputTests
{
    private readonly ITestOutputHelper _output;

    public ThroughputTests(ITestOutputHelper output) => _output = output;

    internal static List<string>? LoadMath500Answers()
    {
        var path = SharedData.File("data", "math500", "test.jsonl");
        if (path is null)
        {
            return null;
        }

        return File.ReadLines(path).Where(l => l.Trim().Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("answer").GetString()!).ToList();
    }

    /// <summary>Wrong-but-close and equivalent-but-different variants of a gold answer.</summary>
    internal static IEnumerable<string> Perturb(string gold)
    {
        yield return gold;
        yield return "\\boxed{" + gold + "}";
        var lastDigit = gold.LastOrDefault(char.IsAsciiDigit);
        if (lastDigit != default)
        {
            var at = gold.LastIndexOf(lastDigit);
            yield return gold[..at] + (char)('0' + ((lastDigit - '0' + 1) % 10)) + gold[(at + 1)..];
        }

        yield return "x = " + gold;
        yield return gold.Replace("\\frac", "\\dfrac").Replace(" ", string.Empty);
    }

    [Fact]
    public void PrintsAnswersPerSecondOnMath500()
    {
        var golds = LoadMath500Answers();
        if (golds is null)
        {
            _output.WriteLine("shared/data/math500/test.jsonl not found: skipped");
            return;
        }

        var pairs = golds.SelectMany(g => Perturb(g).Select(p => (g, p))).ToList();
        foreach (var mode in new[] { GradeMode.Strict, GradeMode.Compat })
        {
            // Warm-up (JIT, regex construction), then a timed pass on this thread only.
            foreach (var (g, p) in pairs.Take(200))
            {
                Grader.Grade(g, p, mode);
            }

            var sw = Stopwatch.StartNew();
            var equal = 0;
            var timeouts = 0;
            foreach (var (g, p) in pairs)
            {
                var r = Grader.Grade(g, p, mode);
                equal += r.Equal ? 1 : 0;
                timeouts += r.TimedOut ? 1 : 0;
            }

            sw.Stop();
            var self = golds.Count(g => Grader.Grade(g, g, mode).Equal);
            _output.WriteLine($"{mode}: {pairs.Count} comparisons in {sw.Elapsed.TotalMilliseconds:F0} ms = {pairs.Count / sw.Elapsed.TotalSeconds:F0} answers/s; equal {equal}, timeouts {timeouts}; gold==gold {self}/{golds.Count}");
        }
    }
}
