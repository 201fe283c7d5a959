namespace Sift.Curation.Input;

/// <summary>One line of a file as stored: its bytes without the '\n' (a '\r' before it is kept) and whether a '\n' ended it.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Bytes">The line's bytes, terminator excluded.</param>
/// <param name="HasNewline">False only for a last line without a final newline.</param>
internal readonly record struct RawLine(int Number, ReadOnlyMemory<byte> Bytes, bool HasNewline)
{
    /// <summary>The bytes to parse: without a trailing '\r'.</summary>
    public ReadOnlyMemory<byte> Content => Bytes.Span is [.., (byte)'\r'] ? Bytes[..^1] : Bytes;

    /// <summary>Only spaces, tabs or '\r'.</summary>
    public bool IsBlank
    {
        get
        {
            foreach (byte b in Bytes.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
                {
                    return false;
                }
            }
            return true;
        }
    }
}

/// <summary>
/// Splits a file into lines on '\n' only, streaming. Readers and the clean-copy writer both use it, so a line number
/// means the same bytes to both. A UTF-8 byte-order mark at the start is reported and left out of line 1.
/// </summary>
internal static class RawLines
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The lines of <paramref name="path"/>; each line's memory is only valid until the next one is read.</summary>
    public static IEnumerable<RawLine> Read(string path, Action<long>? bytesRead = null) => Read(path, out _, bytesRead);

    /// <summary>As <see cref="Read(string, Action{long}?)"/>; <paramref name="hasBom"/> says whether the file starts with a BOM.</summary>
    public static IEnumerable<RawLine> Read(string path, out bool hasBom, Action<long>? bytesRead = null)
    {
        using (var probe = File.OpenRead(path))
        {
            Span<byte> head = stackalloc byte[3];
            hasBom = probe.ReadAtLeast(head, 3, throwOnEndOfStream: false) == 3 && head.SequenceEqual(Bom);
        }
        return Lines(path, hasBom, bytesRead);
    }

    private static IEnumerable<RawLine> Lines(string path, bool skipBom, Action<long>? bytesRead)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (skipBom)
        {
            fs.Position = 3;
        }
        byte[] buf = new byte[1 << 20];
        int start = 0, end = 0, number = 0;
        long consumed = skipBom ? 3 : 0;
        while (true)
        {
            int nl = Array.IndexOf(buf, (byte)'\n', start, end - start);
            if (nl >= 0)
            {
                number++;
                consumed += nl + 1 - start;
                yield return new RawLine(number, buf.AsMemory(start, nl - start), true);
                start = nl + 1;
                continue;
            }
            // No newline in what is buffered: keep the partial line at the front and read more.
            if (start > 0)
            {
                Buffer.BlockCopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.Length)
            {
                Array.Resize(ref buf, buf.Length * 2);
            }
            int got = fs.Read(buf, end, buf.Length - end);
            bytesRead?.Invoke(consumed);
            if (got == 0)
            {
                if (end > 0)
                {
                    yield return new RawLine(number + 1, buf.AsMemory(0, end), false);
                }
                yield break;
            }
            end += got;
        }
    }
}
