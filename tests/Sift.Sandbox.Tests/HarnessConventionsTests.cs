using FsCheck;
using FsCheck.Fluent;

namespace Sift.Sandbox.Tests;

/// <summary>The harness's (python_executor.py) conventions for what a program returns, on fabricated and real runs.</summary>
public sealed class HarnessConventionsTests
{
    private static CodeResult Result(CodeOutcome outcome, string stdout = "", string stderr = "", string? note = null) =>
        new(outcome, stdout, stderr, outcome == CodeOutcome.Ok ? 0 : 1, 0.1, false, note);

    [Fact]
    public void TruncateKeepsTheFirstAndLastHalves()
    {
        Assert.Equal("short", HarnessConventions.Truncate("short"));
        var s = new string('a', 200) + new string('m', 100) + new string('z', 200);
        var t = HarnessConventions.Truncate(s);
        Assert.Equal(new string('a', 200) + "..." + new string('z', 200), t);
        Assert.Equal(new string('x', 400), HarnessConventions.Truncate(new string('x', 400)));
        Assert.Equal("ab...yz", HarnessConventions.Truncate("abcdwxyz", 4));
    }

    [Fact]
    public void TruncateProperties()
    {
        Prop.ForAll<string>(s =>
        {
            s ??= "";
            var t = HarnessConventions.Truncate(s, 10);
            return s.Length <= 10 ? t == s : t.Length == 13 && t[..5] == s[..5] && t[^5..] == s[^5..] && t.Substring(5, 3) == "...";
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void LastTracebackLineIsTheExceptionLine()
    {
        const string tb = "Traceback (most recent call last):\n  File \"/tmp/main.py\", line 1, in <module>\n    1/0\n    ~^~\nZeroDivisionError: division by zero\n\n";
        Assert.Equal("ZeroDivisionError: division by zero", HarnessConventions.LastTracebackLine(tb));
        Assert.Equal("", HarnessConventions.LastTracebackLine(""));
        Assert.Equal("", HarnessConventions.LastTracebackLine("\n \n"));
        Assert.Equal("only", HarnessConventions.LastTracebackLine("only"));
    }

    [Fact]
    public void ToolReportFollowsTheHarness()
    {
        Assert.Equal(new ProgramReport("42", "Done"), HarnessConventions.ToolReport(Result(CodeOutcome.Ok, "  42\n")));
        // A silent program: result empty, so the harness feeds back its report.
        var silent = HarnessConventions.ToolReport(Result(CodeOutcome.Ok));
        Assert.Equal("Done", silent.Feedback);
        // A failure drops what was printed before it and reports the last traceback line.
        var failed = HarnessConventions.ToolReport(Result(CodeOutcome.Error, "partial\n", "Traceback...\nNameError: name 'x' is not defined\n"));
        Assert.Equal(new ProgramReport("", "NameError: name 'x' is not defined"), failed);
        Assert.Equal("NameError: name 'x' is not defined", failed.Feedback);
        Assert.Equal("Timeout Error", HarnessConventions.ToolReport(Result(CodeOutcome.Timeout, "x", "sift-sandbox: wall-clock\n")).Feedback);
        Assert.Equal("MemoryError", HarnessConventions.ToolReport(Result(CodeOutcome.ResourceLimit, "", "Traceback...\nMemoryError\n")).Report);
        Assert.Equal("no python", HarnessConventions.Report(Result(CodeOutcome.StartFailed, note: "no python")));
        var longOut = HarnessConventions.ToolReport(Result(CodeOutcome.Ok, new string('1', 1000)));
        Assert.Equal(403, longOut.Result.Length);
        Assert.True(HarnessConventions.CallsInput("x = int(input('n'))"));
        Assert.False(HarnessConventions.CallsInput("print('no')"));
    }
}

/// <summary>PAL and tool programs through the real sandbox.</summary>
public sealed class HarnessConventionsSandboxTests : IDisposable
{
    private readonly PythonSandbox _sandbox = new(Sandboxes.Tight(64300));

    public void Dispose() => _sandbox.Dispose();

    private async Task<ProgramReport> Pal(string code, bool fallback = false)
    {
        var pal = HarnessConventions.Pal(code, fallback);
        return pal.Read(await _sandbox.RunAsync(pal.Source));
    }

    [Fact]
    public async Task PalReportsStrOfSolutionAndIgnoresPrints()
    {
        var r = await Pal("def solution():\n    print('working...')\n    from fractions import Fraction\n    return Fraction(3, 4) * 2\n");
        Assert.Equal(new ProgramReport("3/2", "Done"), r);
        Assert.Equal("3/2", r.Feedback);
    }

    [Fact]
    public async Task PalFailuresAreHarnessReports()
    {
        Assert.Equal(new ProgramReport("", "NameError: name 'solution' is not defined"), await Pal("x = 1\nprint(x)\n"));
        Assert.Equal(new ProgramReport("", "ZeroDivisionError: division by zero"), await Pal("def solution():\n    return 1 / 0\n"));
        var syntax = await Pal("def solution(:\n    return 1\n");
        Assert.StartsWith("SyntaxError", syntax.Report);
        Assert.Equal("", syntax.Result);
    }

    [Fact]
    public async Task PalFallbackTakesTheLastPrintedLine()
    {
        Assert.Equal(new ProgramReport("17", "Done"), await Pal("print('steps')\nprint(17)\n", fallback: true));
        Assert.Equal(new ProgramReport("5", "Done"), await Pal("def solution():\n    return 5\nprint('ignored')\n", fallback: true));
    }

    [Fact]
    public async Task PalSourceSurvivesQuotesBackslashesAndUnicode()
    {
        // The program text goes into a Python literal: every awkward character must come back as written.
        const string answer = "\\frac{1}{2} 'q' \"d\" \t ∑ 😀 \\n";
        string literal = answer.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\t", "\\t");
        var r = await Pal("def solution():\n    return \"" + literal + "\"\n");
        Assert.Equal(answer.Trim(), r.Result);
    }

    [Fact]
    public async Task PalLongResultIsCutLikeTheHarness()
    {
        var r = await Pal("def solution():\n    return 'a' * 300 + 'z' * 300\n");
        Assert.Equal(new string('a', 200) + "..." + new string('z', 200), r.Result);
    }

    [Fact]
    public async Task ToolReportOfRealRuns()
    {
        Assert.Equal("[1, 4, 9]", HarnessConventions.ToolReport(await _sandbox.RunAsync("print([i * i for i in range(1, 4)])")).Feedback);
        Assert.Equal("KeyError: 'k'", HarnessConventions.ToolReport(await _sandbox.RunAsync("print('lost')\n{}['k']")).Feedback);
        Assert.Equal("Done", HarnessConventions.ToolReport(await _sandbox.RunAsync("x = 2")).Feedback);
    }
}
