using Sift.Sandbox;

namespace Sift.Eval.Programs;

/// <summary>
/// Runs model programs through an <see cref="ICodeExecutor"/> and reports them as the harness does
/// (<see cref="HarnessConventions"/>): programs containing <c>input(</c> are refused without running, results and
/// reports are stripped and cut to 400 characters, a failure leaves only its last traceback line.
/// </summary>
internal static class HarnessExecution
{
    /// <summary>Tool-integrated: runs the program and reports its standard output.</summary>
    public static async Task<ProgramReport> RunForStdoutAsync(ICodeExecutor executor, string program, CancellationToken cancel)
    {
        if (HarnessConventions.CallsInput(program))
        {
            return HarnessConventions.InputRefused;
        }
        return HarnessConventions.ToolReport(await executor.RunAsync(program, cancel).ConfigureAwait(false));
    }

    /// <summary>PAL: runs the program and reports <c>str(solution())</c>, ignoring anything the program prints.</summary>
    public static async Task<ProgramReport> RunSolutionAsync(ICodeExecutor executor, string program, CancellationToken cancel)
    {
        if (HarnessConventions.CallsInput(program))
        {
            return HarnessConventions.InputRefused;
        }
        var pal = HarnessConventions.Pal(program);
        return pal.Read(await executor.RunAsync(pal.Source, cancel).ConfigureAwait(false));
    }
}
