using System.Globalization;
using System.Text;

namespace Sift.Sandbox;

/// <summary>A program run as the Rho-1/ToRA harness reports it (<c>python_executor.py</c>: <c>(result, report)</c>).</summary>
/// <param name="Result">What the program produced: stdout (tool-integrated) or <c>str(solution())</c> (PAL); empty on failure.</param>
/// <param name="Report"><c>Done</c>, or the last traceback line, or <c>Timeout Error</c>.</param>
public sealed record ProgramReport(string Result, string Report)
{
    /// <summary>What the harness feeds back in the <c>```output</c> block (and boxes for PAL): the result, or the report when there is none.</summary>
    public string Feedback => Result.Length > 0 ? Result : Report;
}

/// <summary>
/// What a program "returns" under the harness conventions (spec §2.8): tool-integrated runs feed stdout back, PAL
/// takes <c>str(solution())</c>; results and reports are stripped and cut to 400 characters (first 200 + "..." +
/// last 200); a failure leaves only the last traceback line, a timeout <c>Timeout Error</c>; as in the harness, the
/// partial stdout of a failed program is dropped.
/// </summary>
public static class HarnessConventions
{
    /// <summary>The harness's result/report length.</summary>
    public const int ReportLength = 400;

    /// <summary>The harness refuses programs matching <c>(\s|^)?input\(</c>, i.e. containing <c>input(</c> (they would wait for stdin).</summary>
    public static bool CallsInput(string code) => code.Contains("input(", StringComparison.Ordinal);

    /// <summary>The harness's <c>truncate</c>: strings longer than <paramref name="maxLength"/> keep their first and last halves around "...".</summary>
    public static string Truncate(string s, int maxLength = ReportLength)
    {
        int half = maxLength / 2;
        return s.Length > maxLength ? string.Concat(s.AsSpan(0, half), "...", s.AsSpan(s.Length - half)) : s;
    }

    /// <summary>The last line of a traceback (<c>traceback.format_exc().split('\n')[-2]</c>), e.g. <c>ZeroDivisionError: division by zero</c>.</summary>
    public static string LastTracebackLine(string stderr) => LastNonEmptyLine(stderr);

    /// <summary>The last line with something other than whitespace on it ("" when none).</summary>
    public static string LastNonEmptyLine(string text)
    {
        int end = text.Length;
        while (end > 0)
        {
            int start = text.LastIndexOf('\n', end - 1) + 1;
            var line = text.AsSpan(start, end - start).Trim();
            if (!line.IsEmpty)
            {
                return line.ToString();
            }

            end = start - 1;
        }

        return "";
    }

    /// <summary>The one-line report of a run: <c>Done</c>, <c>Timeout Error</c>, or what the program or sandbox said last.</summary>
    public static string Report(CodeResult r) => r.Outcome switch
    {
        CodeOutcome.Ok => "Done",
        CodeOutcome.Timeout => "Timeout Error",
        _ => LastTracebackLine(r.Stderr) is { Length: > 0 } line ? line : r.Note ?? r.Outcome.ToString(),
    };

    /// <summary>Tool-integrated (ToRA) convention: the program's stdout when it succeeds, else its report.</summary>
    public static ProgramReport ToolReport(CodeResult r) =>
        r.Outcome == CodeOutcome.Ok ? Finish(r.Stdout, "Done") : Finish("", Report(r));

    /// <summary>The refusal the harness gives a program that calls <c>input(</c> (it raises RuntimeError before running it).</summary>
    public static ProgramReport InputRefused { get; } = new("", "RuntimeError");

    /// <summary>
    /// Wraps a PAL program so that running it reports <c>str(solution())</c>. The program is executed with
    /// <c>exec</c> in a fresh globals dict, as the harness does, so a syntax error is an ordinary failure.
    /// With <paramref name="lastLineFallback"/>, a program that defines no callable <c>solution</c> is answered by
    /// its last printed line (Program-of-Thought style); without it, it fails with the harness's NameError.
    /// </summary>
    public static PalProgram Pal(string code, bool lastLineFallback = false) => new(code, lastLineFallback);

    internal static ProgramReport Finish(string result, string report) => new(Truncate(result.Trim()), Truncate(report.Trim()));
}

/// <summary>A PAL program wrapped for <see cref="ICodeExecutor"/>; <see cref="Read"/> turns the run into the harness's report.</summary>
public sealed class PalProgram
{
    private readonly string _mark;
    private readonly string _noSolutionMark;
    private readonly bool _lastLineFallback;

    internal PalProgram(string code, bool lastLineFallback)
    {
        ArgumentNullException.ThrowIfNull(code);
        Code = code;
        _lastLineFallback = lastLineFallback;
        var tag = Guid.NewGuid().ToString("N")[..12]; // so printed text cannot pose as the result by accident
        _mark = $"\u001e<sift-pal-result:{tag}>";
        _noSolutionMark = $"\u001e<sift-pal-no-solution:{tag}>";
        var sb = new StringBuilder();
        sb.Append("import sys as _sift_sys\n");
        sb.Append("_sift_globals = {'__name__': '__main__', '__builtins__': __builtins__}\n");
        sb.Append("exec(compile(").Append(PythonString(code)).Append(", '<program>', 'exec'), _sift_globals)\n");
        sb.Append("if ").Append(lastLineFallback ? "callable(_sift_globals.get('solution'))" : "True").Append(":\n");
        sb.Append("    _sift_result = str(eval('solution()', _sift_globals)).strip()\n");
        // The harness cuts results to 400 characters; doing it here keeps the mark inside the executor's kept tail.
        sb.Append("    if len(_sift_result) > ").Append(HarnessConventions.ReportLength).Append(": _sift_result = _sift_result[:")
            .Append(HarnessConventions.ReportLength / 2).Append("] + '...' + _sift_result[-").Append(HarnessConventions.ReportLength / 2).Append(":]\n");
        sb.Append("    _sift_sys.stdout.flush()\n");
        sb.Append("    _sift_sys.stdout.write('\\n' + ").Append(PythonString(_mark)).Append(" + _sift_result)\n");
        sb.Append("else:\n");
        sb.Append("    _sift_sys.stdout.write('\\n' + ").Append(PythonString(_noSolutionMark)).Append(")\n");
        Source = sb.ToString();
    }

    /// <summary>The model's program.</summary>
    public string Code { get; }

    /// <summary>The program to run.</summary>
    public string Source { get; }

    /// <summary>The harness's report of a run of <see cref="Source"/>.</summary>
    public ProgramReport Read(CodeResult r)
    {
        if (r.Outcome != CodeOutcome.Ok)
        {
            return HarnessConventions.Finish("", HarnessConventions.Report(r));
        }

        int at = r.Stdout.LastIndexOf(_mark, StringComparison.Ordinal);
        if (at >= 0)
        {
            return HarnessConventions.Finish(r.Stdout[(at + _mark.Length)..], "Done");
        }

        int none = r.Stdout.LastIndexOf(_noSolutionMark, StringComparison.Ordinal);
        if (none >= 0 && _lastLineFallback)
        {
            var printed = r.Stdout[..none];
            return HarnessConventions.Finish(HarnessConventions.LastNonEmptyLine(printed), "Done");
        }

        // No mark at all: the program ended the interpreter itself (os._exit) before the answer was written.
        return HarnessConventions.Finish("", "SystemExit");
    }

    /// <summary>A Python string literal (ASCII-only, with \u/\U escapes) for any .NET string; lone surrogates become U+FFFD.</summary>
    private static string PythonString(string s)
    {
        var sb = new StringBuilder(s.Length + 16).Append('\'');
        foreach (var rune in s.EnumerateRunes())
        {
            int c = rune.Value;
            _ = c switch
            {
                '\\' => sb.Append("\\\\"),
                '\'' => sb.Append("\\'"),
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                >= 0x20 and <= 0x7e => sb.Append((char)c),
                <= 0xffff => sb.Append("\\u").Append(c.ToString("x4", CultureInfo.InvariantCulture)),
                _ => sb.Append("\\U").Append(c.ToString("x8", CultureInfo.InvariantCulture)),
            };
        }

        return sb.Append('\'').ToString();
    }
}
