using Sift.Core;
using Sift.Core.IO;

namespace Sift.Curation.Input;

/// <summary>
/// Copies the chosen lines of a file byte for byte, in file order (line endings, a byte-order mark and a missing final
/// newline kept), to a temporary file renamed into place. The source is never the destination.
/// </summary>
internal static class LineCopy
{
    /// <summary>Writes the lines whose 1-based numbers are in <paramref name="keep"/>; returns how many were written.</summary>
    public static int Write(string input, IReadOnlySet<int> keep, string outputPath)
    {
        string src = Path.GetFullPath(input), dst = Path.GetFullPath(outputPath);
        if (string.Equals(src, dst, StringComparison.Ordinal))
        {
            throw new SiftException($"{outputPath}: the output must be a new file; the input is never modified");
        }
        var lines = RawLines.Read(input, out bool bom);
        int written = 0;
        AtomicFile.Write(dst, stream =>
        {
            if (bom)
            {
                stream.Write([0xEF, 0xBB, 0xBF]);
            }
            foreach (var line in lines)
            {
                if (!keep.Contains(line.Number))
                {
                    continue;
                }
                stream.Write(line.Bytes.Span);
                if (line.HasNewline)
                {
                    stream.WriteByte((byte)'\n');
                }
                written++;
            }
        });
        return written;
    }
}
