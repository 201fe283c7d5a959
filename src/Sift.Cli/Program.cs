using System.CommandLine;

namespace Sift.Cli;

/// <summary>Entry point: builds the command tree and runs it.</summary>
public static class Program
{
    /// <summary>Runs the CLI.</summary>
    public static int Main(string[] args)
    {
        // Numbers in files and logs never depend on the user's locale.
        System.Globalization.CultureInfo.DefaultThreadCurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        return CliApp.Build().Parse(args).Invoke();
    }
}
