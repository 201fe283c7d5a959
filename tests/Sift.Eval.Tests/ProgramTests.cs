using Sift.Eval.Programs;
using Sift.Sandbox;

namespace Sift.Eval.Tests;

public sealed class ProgramTests
{
    private const string TwoRounds = """
        Let's compute.
        ```python
        import math
        x = 3
        print(x)
        ```
        ```output
        3
        ```
        Now the square.
        ```python
        print(x * x)
        ```
        """;

    [Fact]
    public void Trajectory_SplitsRationaleProgramsAndOutputs()
    {
        var t = ProgramText.ToTrajectory(TwoRounds)!;
        Assert.Equal(["rationale", "program", "output", "rationale", "program"], t.Select(p => p.Role));
        Assert.Equal("import math\nx = 3\nprint(x)\n", t[1].Content);
        Assert.Equal("3\n", t[2].Content);
    }

    [Fact]
    public void ExtractProgram_CarriesEarlierSuccessfulCodeWithoutItsPrints() =>
        Assert.Equal("import math\nx = 3\n\nprint(x * x)\n", ProgramText.ExtractProgram(TwoRounds));

    [Fact]
    public void ExtractProgram_KeepsOnlyImportsOfFailedPrograms()
    {
        const string text = "```python\nimport sympy\nfrom math import pi\ny = 1/0\n```\n```output\nZeroDivisionError: division by zero\n```\n```python\nprint(pi)\n```";
        Assert.Equal("import sympy\nfrom math import pi\nprint(pi)\n", ProgramText.ExtractProgram(text));
    }

    [Fact]
    public void ExtractProgram_InvalidTrajectory_IsTheHarnessSentinel()
    {
        // A second ```python while still inside an output section: the harness's assertion fails.
        Assert.Equal(ProgramText.InvalidTrajectory, ProgramText.ExtractProgram("```python\nx=1\n```\nno output block\n```python\nprint(x)\n```"));
        Assert.False(ProgramText.LooksSuccessful("NameError: name 'x' is not defined"));
        Assert.False(ProgramText.LooksSuccessful("nan"));
        Assert.True(ProgramText.LooksSuccessful("(6, -pi/2, pi/3)"));
        Assert.Equal("42", ProgramText.LastOutput("a\n```output\n7\n```\nb\n```output\n42\n```\n"));
    }

    [Fact]
    public async Task StdoutRuns_ReportLikeTheHarness()
    {
        var ex = new FakeExecutor(code => code.Contains("boom") ? FakeExecutor.Error("Traceback (most recent call last):\n  File \"x\", line 1\nValueError: boom\n")
            : code.Contains("quiet") ? FakeExecutor.Ok("") : code.Contains("loop") ? new CodeResult(CodeOutcome.Timeout, "", "killed after 5 s", null, 5)
            : FakeExecutor.Ok("  " + new string('7', 500) + "\n"));
        var boom = await HarnessExecution.RunForStdoutAsync(ex, "raise ValueError('boom')", default);
        Assert.Equal(("", "ValueError: boom", "ValueError: boom"), (boom.Result, boom.Report, boom.Feedback));
        Assert.Equal("Done", (await HarnessExecution.RunForStdoutAsync(ex, "quiet = 1", default)).Feedback);
        Assert.Equal("Timeout Error", (await HarnessExecution.RunForStdoutAsync(ex, "while True: loop()", default)).Feedback);
        var big = await HarnessExecution.RunForStdoutAsync(ex, "print('7'*500)", default);
        Assert.Equal(403, big.Result.Length);
        Assert.Equal(new string('7', 200) + "..." + new string('7', 200), big.Result);
        // The harness refuses programs that read input, without running them.
        int before = ex.Programs.Count;
        Assert.Equal("RuntimeError", (await HarnessExecution.RunForStdoutAsync(ex, "x = input()", default)).Feedback);
        Assert.Equal(before, ex.Programs.Count);
    }

    [Fact]
    public async Task SolutionRuns_ReturnWhatSolutionReturnsNotWhatItPrints()
    {
        string? seen = null;
        var ex = new FakeExecutor(code =>
        {
            seen = code;
            // What python would print for the wrapped program: the program's own print, then the marked result.
            return FakeExecutor.PalOk(code, "18", printed: "debug 1\n");
        });
        var r = await HarnessExecution.RunSolutionAsync(ex, "def solution():\n    print('debug', 1)\n    return 18", default);
        Assert.Equal(("18", "Done"), (r.Result, r.Report));
        Assert.Contains("eval('solution()', _sift_globals)", seen);
        var err = await HarnessExecution.RunSolutionAsync(new FakeExecutor(_ => FakeExecutor.Error("Traceback...\nNameError: name 'solution' is not defined")), "x = 1", default);
        Assert.Equal("NameError: name 'solution' is not defined", err.Feedback);
    }
}
