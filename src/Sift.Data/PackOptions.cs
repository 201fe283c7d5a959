namespace Sift.Data;

/// <summary>How an input file is read.</summary>
public enum InputFormat
{
    /// <summary>By extension: .jsonl / .ndjson are JSONL, .parquet is Parquet, anything else is plain text.</summary>
    Auto,

    /// <summary>One JSON object per line; the document is the string field <see cref="PackOptions.TextField"/>. Blank lines are skipped.</summary>
    Jsonl,

    /// <summary>Plain UTF-8 text split into documents by <see cref="PackOptions.TextSplit"/>.</summary>
    Text,

    /// <summary>Parquet; the document is the string column <see cref="PackOptions.TextField"/> of each row.</summary>
    Parquet,
}

/// <summary>How plain text is cut into documents.</summary>
public enum TextSplit
{
    /// <summary>
    /// A document is a run of non-blank lines; one or more blank (whitespace-only) lines separate
    /// documents. Lines are re-joined with "\n" (so CRLF becomes LF). Streams, so one huge file is fine.
    /// </summary>
    BlankLine,

    /// <summary>Each file is one document, verbatim.</summary>
    WholeFile,
}

/// <summary>Settings for <see cref="ShardPacker"/>.</summary>
public sealed record PackOptions
{
    /// <summary>JSONL field holding the document text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>Input format (default: by extension).</summary>
    public InputFormat Format { get; init; } = InputFormat.Auto;

    /// <summary>How plain text files are split into documents.</summary>
    public TextSplit TextSplit { get; init; } = TextSplit.BlankLine;

    /// <summary>Maximum tokens per shard (default 64M: 128 MB as uint16).</summary>
    public long MaxShardTokens { get; init; } = 64L << 20;

    /// <summary>Tokenizer threads; output is identical for any value.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Documents tokenised per parallel batch (bounds memory with <see cref="BatchChars"/>).</summary>
    public int BatchDocuments { get; init; } = 1024;

    /// <summary>Characters of text per parallel batch before it is cut.</summary>
    public long BatchChars { get; init; } = 8L << 20;

    /// <summary>Replace an existing dataset in the output folder (otherwise that is an error).</summary>
    public bool Overwrite { get; init; }
}

/// <summary>Packing progress, reported after each batch is written.</summary>
/// <param name="Documents">Documents written.</param>
/// <param name="Tokens">Tokens written (EOS included).</param>
/// <param name="BytesRead">Input bytes consumed so far (at read-buffer granularity).</param>
/// <param name="BytesTotal">Total input bytes.</param>
/// <param name="Shards">Shards completed.</param>
public readonly record struct PackProgress(long Documents, long Tokens, long BytesRead, long BytesTotal, int Shards);
