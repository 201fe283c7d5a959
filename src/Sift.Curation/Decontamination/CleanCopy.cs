using Sift.Core;
using Sift.Core.IO;
using Sift.Curation.Input;

namespace Sift.Curation.Decontamination;

/// <summary>
/// Writes the training file without its flagged items: every other line is copied byte for byte (line endings, a
/// byte-order mark and a missing final newline included). Lines skipped as malformed are left out as well, since they
/// could not be checked; for blank-line text blocks, the blank lines after a removed block go with it. The copy is
/// written to a temporary file and renamed, and may not be the training file itself.
/// </summary>
internal static class CleanCopy
{
    /// <summary>Writes the clean copy; returns the number of items left out.</summary>
    public static int Write(DecontaminationRun run, string outputPath)
    {
        var source = run.Training;
        string input = Path.GetFullPath(source.Path), output = Path.GetFullPath(outputPath);
        if (string.Equals(input, output, StringComparison.Ordinal) || (File.Exists(output) && SameFile(input, output)))
        {
            throw new SiftException($"{outputPath}: the clean copy must be a new file; the training file is never modified");
        }
        var drop = new HashSet<int>(run.SkippedLines);
        bool blocks = source.ResolvedFormat == TextFormat.Text && source.Split == TextSplit.BlankLine;
        var lines = RawLines.Read(source.Path, out bool bom);
        AtomicFile.Write(output, stream =>
        {
            if (bom)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }
            int r = 0;
            bool droppingBlanks = false;
            foreach (var line in lines)
            {
                while (r < run.FlaggedRanges.Count && run.FlaggedRanges[r].Last < line.Number)
                {
                    r++;
                }
                bool inFlagged = r < run.FlaggedRanges.Count && run.FlaggedRanges[r].First <= line.Number;
                if (inFlagged)
                {
                    droppingBlanks = blocks;
                    continue;
                }
                if (droppingBlanks && line.IsBlank)
                {
                    continue;
                }
                droppingBlanks = false;
                if (drop.Contains(line.Number))
                {
                    continue;
                }
                stream.Write(line.Bytes.Span);
                if (line.HasNewline)
                {
                    stream.WriteByte((byte)'\n');
                }
            }
        });
        return run.Report.FlaggedTrainingItems;
    }

    private static bool SameFile(string a, string b) =>
        string.Equals(File.ResolveLinkTarget(a, returnFinalTarget: true)?.FullName ?? a, File.ResolveLinkTarget(b, returnFinalTarget: true)?.FullName ?? b, StringComparison.Ordinal);
}
