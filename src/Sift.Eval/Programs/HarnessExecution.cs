using System.Text.RegularExpressions;
using Sift.Sandbox;

namespace Sift.Eval.Programs;

/// <summary>A program run as the harness reports it.</summary>
/// <param name="Result">What the program produced: stdout (tool-integrated) or <c>str(solution())</c> (PAL); "" on failure.</param>
/// <param name="Report"><c>Done</c>, or the last traceback line / <c>Timeout Error</c> as the harness writes it.</param>
public sealed record ExecutionReport(string Result, string Report)
{
    /// <summary>What the harness feeds back in the ```output block: the result, or the report when there is none.</summary>
    public string Feedback => Result.Length > 0 ? Result : Report;
}

/// <summary>
/// Runs model programs through an <see cref="ICodeExecutor"/> and reports them with the harness's conventions
/// (<c>python_executor.py</c>): programs containing <c>input(</c> are refused, results and reports are stripped and
/// cut to 400 characters (first 200 + "..." + last 200), an exception leaves only its last traceback line.
/// </summary>
public static partial class HarnessExecution
{
    internal const string Mark = "<<<sift-pal-result:7f3a9c>>>";

    [GeneratedRegex(@"(\s|^)?input\(")]
    private static partial Regex InputCall();

    /// <summary>The harness's <c>truncate</c>.</summary>
    public static string Truncate(string s, int max = 400) => s.Length > max ? s[..(max / 2)] + "..." + s[^(max / 2)..] : s;

    /// <summary>Tool-integrated: runs the program and reports its standard output.</summary>
    public static async Task<ExecutionReport> RunForStdoutAsync(ICodeExecutor executor, string program, CancellationToken cancel)
    {
        if (InputCall().IsMatch(program))
        {
            return new ExecutionReport("", "RuntimeError");
        }
        var r = await executor.RunAsync(program, cancel).ConfigureAwait(false);
        return r.Outcome == CodeOutcome.Ok ? Finish(r.Stdout, "Done") : Finish("", FailureReport(r));
    }

    /// <summary>PAL: runs the program and reports <c>str(solution())</c>, ignoring anything the program prints.</summary>
    public static async Task<ExecutionReport> RunSolutionAsync(ICodeExecutor executor, string program, CancellationToken cancel)
    {
        if (InputCall().IsMatch(program))
        {
            return new ExecutionReport("", "RuntimeError");
        }
        string wrapped = program + "\n\nimport sys as _sift_sys\n_sift_result = solution()\n_sift_sys.stdout.write(\"\\n" + Mark + "\" + str(_sift_result))\n";
        var r = await executor.RunAsync(wrapped, cancel).ConfigureAwait(false);
        if (r.Outcome != CodeOutcome.Ok)
        {
            return Finish("", FailureReport(r));
        }
        int at = r.Stdout.LastIndexOf(Mark, StringComparison.Ordinal);
        // No mark: the output was cut by the executor's limit before the result (the harness would also have failed).
        return at < 0 ? Finish("", "OutputLimitError: the program printed too much") : Finish(r.Stdout[(at + Mark.Length)..], "Done");
    }

    /// <summary>The harness's one-line account of a failed run.</summary>
    public static string FailureReport(CodeResult r) => r.Outcome switch
    {
        CodeOutcome.Timeout => "Timeout Error",
        _ => LastLine(r.Stderr) is { Length: > 0 } line ? line : r.Outcome == CodeOutcome.ResourceLimit ? "MemoryError" : r.Outcome.ToString(),
    };

    private static ExecutionReport Finish(string result, string report) => new(Truncate(result.Trim()), Truncate(report.Trim()));

    private static string LastLine(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : "";
    }
}
