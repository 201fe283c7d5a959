namespace Sift.Sandbox;

/// <summary>How a program run ended.</summary>
public enum CodeOutcome
{
    /// <summary>Exited with status 0.</summary>
    Ok,

    /// <summary>Exited non-zero (an exception, a syntax error, sys.exit(n)); Stderr has the traceback.</summary>
    Error,

    /// <summary>Killed at the wall-clock or CPU limit.</summary>
    Timeout,

    /// <summary>Killed for exceeding a resource limit (memory, file size, processes).</summary>
    ResourceLimit,

    /// <summary>Could not be started at all (no python3, sandbox set-up failed).</summary>
    StartFailed,
}

/// <summary>The result of one program run. Output is already truncated to the executor's limit.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Stdout">Standard output (truncated).</param>
/// <param name="Stderr">Standard error (truncated). When the sandbox ended or refused the run, its reason follows as a last line <c>sift-sandbox: …</c>.</param>
/// <param name="ExitCode">The process exit status, when it exited.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="Truncated">Whether stdout or stderr was cut.</param>
/// <param name="Note">The sandbox's account of anything other than a plain exit (which limit was hit, why it could not start).</param>
public sealed record CodeResult(CodeOutcome Outcome, string Stdout, string Stderr, int? ExitCode, double Seconds, bool Truncated = false, string? Note = null);

/// <summary>
/// Runs untrusted model-written programs (program-aided and tool-integrated prompting) in isolation.
/// Every failure of the program is a result, never an exception; only cancellation throws.
/// </summary>
public interface ICodeExecutor
{
    /// <summary>Runs <paramref name="code"/> as a Python program and returns what it printed.</summary>
    Task<CodeResult> RunAsync(string code, CancellationToken cancel = default);
}
