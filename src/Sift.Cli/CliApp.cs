using System.CommandLine;

namespace Sift.Cli;

/// <summary>The `sift` command tree. Each command lives in its own file under Commands/.</summary>
public static class CliApp
{
    /// <summary>Builds the root command with every subcommand attached.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Sift: train, select, score and evaluate math-reasoning language models.\n" +
            "Rho-1 selective language modeling on a Llama engine written in C#.");
        return root;
    }
}
