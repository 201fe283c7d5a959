using System.CommandLine;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Pipelines.Selective;

namespace Sift.Cli.Commands;

/// <summary>`sift data export`: token windows and reference losses as .npy shards for PyTorch trainers.</summary>
public static class DataExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A packed dataset (`sift data pack`, or synth's web/tokens)", Required = true };
        var scores = new Option<string?>("--ref-scores") { Description = "Its reference scores (`sift score --data`, local or --endpoint): exported as ref_loss" };
        var labels = new Option<string?>("--labels") { Description = "Its provenance labels (synth's web/labels): exported as labels" };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder to write (index.json and shard-NNNNN.*.npy)", Required = true };
        var seqLen = new Option<int?>("--seq-len") { Description = "Window length T (default: the scores' window length, else 256)" };
        var perShard = new Option<int>("--windows-per-shard") { Description = "Windows per shard file", DefaultValueFactory = _ => 65_536 };
        var first = new Option<long>("--first-window") { Description = "First window to export", DefaultValueFactory = _ => 0 };
        var windows = new Option<long?>("--windows") { Description = "Windows to export (default: all)" };
        var json = new Option<bool>("--json") { Description = "Print index.json" };
        var cmd = new Command("export", """
            Export a packed corpus as training windows for PyTorch: OUT/shard-NNNNN.input_ids.npy [windows, T+1],
            .ref_loss.npy [windows, T] (the reference model's loss of input_ids[:, 1:]) and .labels.npy, with
            OUT/index.json. The windows are the ones Sift scores and trains with (window w = stream tokens w*T .. w*T+T),
            so a GPU trainer reproduces `train.objective: slm` exactly with integrations/torch/sift_slm.py
            (numpy.load(..., mmap_mode="r") maps the shards; nothing else from Sift is needed).
            """)
        {
            data, scores, labels, output, seqLen, perShard, first, windows, json,
        };
        cmd.SetAction(pr => CommandRunner.Run(() =>
        {
            string? scoresDir = pr.GetValue(scores);
            int t = pr.GetValue(seqLen) ?? (scoresDir is null ? 256 : ScoresManifest.TryLoad(scoresDir)?.SeqLen ?? throw new SiftException($"--ref-scores {scoresDir}: not a scores folder (no {ScoresManifest.FileName})"));
            var progress = pr.GetValue(json) ? (IProgressReporter)NullProgress.Instance : new ConsoleProgress();
            string outDir = pr.GetRequiredValue(output).FullName;
            var index = new WindowExport(progress).Run(pr.GetRequiredValue(data), outDir,
                new WindowExportOptions(t, scoresDir, pr.GetValue(labels), pr.GetValue(perShard), pr.GetValue(first), pr.GetValue(windows)), CommandRunner.CtrlC());
            if (pr.GetValue(json))
            {
                CommandRunner.WriteJson(JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, WindowExportIndex.FileName)))!);
            }
            else
            {
                Console.WriteLine($"exported {index.Windows:N0} windows of {index.SeqLen} + 1 tokens in {index.Shards.Count} shard(s){(index.RefLossDType is null ? "" : $" with {index.RefLossDType} reference losses")} to {outDir}");
            }
            return 0;
        }));
        return cmd;
    }
}
