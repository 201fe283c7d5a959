using System.CommandLine;

namespace Sift.Cli;

/// <summary>Entry point: builds the command tree and runs it.</summary>
public static class Program
{
    /// <summary>Runs the CLI.</summary>
    public static int Main(string[] args) => CliApp.Build().Parse(args).Invoke();
}
