using System.CommandLine;

namespace Sift.Cli.Commands;

/// <summary>`sift rm`: reward models and step labels (score, label).</summary>
public static class RmCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create() => new("rm", """
        Reward models: score solutions with a process or outcome reward model (score), and make Monte-Carlo step
        labels with a completer model (label).
        """)
    {
        RmScoreCommand.Create(),
    };
}
