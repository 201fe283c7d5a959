using System.CommandLine;
using Sift.Cli.Commands;

namespace Sift.Cli;

/// <summary>The `sift` command tree. Each command lives in its own file under Commands/.</summary>
public static class CliApp
{
    /// <summary>Builds the root command with every subcommand attached.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "Sift: train, select, score and evaluate math-reasoning language models.\n" +
            "A Llama engine in C# with Hugging Face checkpoints, Rho-1 selective language modeling and a math evaluation harness.")
        {
            TrainCommand.Create(),
            BenchCommand.Create(),
            GenerateCommand.Create(),
            ScoreCommand.Create(),
            DataCommand.Create(),
            DemoCommand.Create(),
            TokenizerCommand.Create(),
            GradeCommand.Create(),
            AnalyzeCommand.Create(),
            EvalCommand.Create(),
            BonCommand.Create(),
            DecontaminateCommand.Create(),
            SynthCommand.Create(),
            SelectCommand.Create(),
            ServeCommand.Create(),
            RmCommand.Create(),
            IntegrativeCommand.Create(),
            ExportCommand.Create(),
            SelfTrainCommand.Create(),
        };
        OverviewHelpAction.Install(root);
        return root;
    }
}
