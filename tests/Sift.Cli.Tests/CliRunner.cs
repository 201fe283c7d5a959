namespace Sift.Cli.Tests;

/// <summary>
/// Runs the real command tree in-process with the console redirected. Console redirection is process-wide, so
/// every test class that uses it is in the "console" collection (run one at a time).
/// </summary>
internal static class CliRunner
{
    /// <summary>Invokes `sift ARGS`; returns the exit code and what it wrote to stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o);
        Console.SetError(e);
        try
        {
            return (CliApp.Build().Parse(args).Invoke(), o.ToString(), e.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }
}
