using System.Text;
using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Data;

/// <summary>One shard file in <c>index.json</c>.</summary>
public sealed class ShardEntry
{
    /// <summary>File name relative to the dataset folder (e.g. "shard-00000.bin").</summary>
    public string File { get; set; } = "";

    /// <summary>Tokens in the shard.</summary>
    public long Tokens { get; set; }

    /// <summary>File length in bytes (tokens × dtype size).</summary>
    public long Bytes { get; set; }

    /// <summary>SHA-256 (lower-case hex) of the file.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Index of the document that contains the shard's first token (it may have started in an earlier shard).</summary>
    public long FirstDocument { get; set; }
}

/// <summary>The document-boundary side file (<c>documents.bin</c>: uint64 LE start offsets, one per document).</summary>
public sealed class DocumentsEntry
{
    /// <summary>File name relative to the dataset folder.</summary>
    public string File { get; set; } = DatasetIndex.DocumentsFileName;

    /// <summary>Number of offsets (= documents).</summary>
    public long Count { get; set; }

    /// <summary>File length in bytes (count × 8).</summary>
    public long Bytes { get; set; }

    /// <summary>SHA-256 (lower-case hex) of the file.</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>The content of a token dataset's <c>index.json</c> (see FORMAT.md).</summary>
public sealed class DatasetIndex
{
    /// <summary>Value of the "format" field.</summary>
    public const string FormatName = "sift-tokens";

    /// <summary>The format version this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Index file name inside a dataset folder.</summary>
    public const string FileName = "index.json";

    /// <summary>Document-boundary file name inside a dataset folder.</summary>
    public const string DocumentsFileName = "documents.bin";

    /// <summary>Shard file name for shard <paramref name="i"/>.</summary>
    public static string ShardFileName(int i) => $"shard-{i:D5}.bin";

    /// <summary>Always "sift-tokens".</summary>
    public string Format { get; set; } = FormatName;

    /// <summary>Format version.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>"uint16" or "uint32".</summary>
    public string Dtype { get; set; } = "";

    /// <summary>Tokenizer vocabulary size; every stored id is below it.</summary>
    public int VocabSize { get; set; }

    /// <summary>End-of-sequence id, or null when the tokenizer has none.</summary>
    public int? EosId { get; set; }

    /// <summary>True when an EOS token follows every document in the stream (the tokenizer had an EOS id).</summary>
    public bool EosAfterEachDocument { get; set; }

    /// <summary>The tokenizer's fingerprint (SHA-256 hex of its canonical json).</summary>
    public string TokenizerFingerprint { get; set; } = "";

    /// <summary>Tokens across all shards (EOS separators included).</summary>
    public long TotalTokens { get; set; }

    /// <summary>Number of documents.</summary>
    public long DocumentCount { get; set; }

    /// <summary>Maximum tokens per shard the packer used (informational).</summary>
    public long MaxShardTokens { get; set; }

    /// <summary>Shards in stream order.</summary>
    public List<ShardEntry> Shards { get; set; } = [];

    /// <summary>Document boundaries side file.</summary>
    public DocumentsEntry Documents { get; set; } = new();

    /// <summary>Parsed <see cref="Dtype"/>.</summary>
    public TokenDType TokenDType => TokenDTypes.Parse(Dtype, FileName);

    /// <summary>
    /// SHA-256 over the shard and document checksums: identifies this exact token stream
    /// (side shards record it so they are never paired with a different pack).
    /// </summary>
    public string ContentFingerprint()
    {
        var sb = new StringBuilder();
        sb.Append(FormatName).Append('\n').Append(TotalTokens).Append('\n');
        foreach (var s in Shards)
        {
            sb.Append(s.Sha256).Append('\n');
        }
        sb.Append(Documents.Sha256);
        return Hashing.Sha256Hex(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>Serialises to JSON text (stable field order, "\n" newlines).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, DataJson.Options) + "\n";

    /// <summary>Writes <c>index.json</c> into <paramref name="folder"/> atomically.</summary>
    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), ToJson());

    /// <summary>Reads and structurally validates <c>folder/index.json</c> (files on disk are checked by <see cref="TokenDataset"/>).</summary>
    public static DatasetIndex Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!System.IO.File.Exists(path))
        {
            throw new SiftException($"{path}: no dataset index (expected a folder written by the shard packer)");
        }
        DatasetIndex? index;
        try
        {
            index = JsonSerializer.Deserialize<DatasetIndex>(System.IO.File.ReadAllText(path), DataJson.Options);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: bad JSON: {ex.Message}", ex);
        }
        if (index is null)
        {
            throw new SiftException($"{path}: expected a JSON object");
        }
        index.Validate(path);
        return index;
    }

    private void Validate(string path)
    {
        if (Format != FormatName)
        {
            throw new SiftException($"{path}: field \"format\" is \"{Format}\", expected \"{FormatName}\"");
        }
        if (Version != CurrentVersion)
        {
            throw new SiftException($"{path}: field \"version\" is {Version}, this build reads version {CurrentVersion}");
        }
        var dtype = TokenDTypes.Parse(Dtype, path);
        if (VocabSize <= 0 || (dtype == TokenDType.UInt16 && VocabSize > TokenDTypes.MaxUInt16Vocab))
        {
            throw new SiftException($"{path}: field \"vocab_size\" is {VocabSize}, which does not fit dtype {Dtype}");
        }
        if (EosId is int eos && (eos < 0 || eos >= VocabSize))
        {
            throw new SiftException($"{path}: field \"eos_id\" is {eos}, expected 0 .. {VocabSize - 1}");
        }
        if (EosAfterEachDocument && EosId is null)
        {
            throw new SiftException($"{path}: \"eos_after_each_document\" is true but \"eos_id\" is null");
        }
        if (Shards is null || Documents is null)
        {
            throw new SiftException($"{path}: fields \"shards\" and \"documents\" are required");
        }
        long sum = 0;
        long prevFirstDoc = 0;
        for (int i = 0; i < Shards.Count; i++)
        {
            var s = Shards[i];
            string where = $"{path}: shards[{i}]";
            if (string.IsNullOrEmpty(s.File) || Path.GetFileName(s.File) != s.File)
            {
                throw new SiftException($"{where}: field \"file\" is \"{s.File}\", expected a plain file name");
            }
            if (s.Tokens <= 0 || s.Bytes != s.Tokens * dtype.SizeOf())
            {
                throw new SiftException($"{where} ({s.File}): tokens {s.Tokens} and bytes {s.Bytes} disagree for dtype {Dtype}");
            }
            if (s.FirstDocument < prevFirstDoc || s.FirstDocument >= Math.Max(DocumentCount, 1))
            {
                throw new SiftException($"{where} ({s.File}): field \"first_document\" {s.FirstDocument} out of order or range");
            }
            prevFirstDoc = s.FirstDocument;
            sum += s.Tokens;
        }
        if (sum != TotalTokens)
        {
            throw new SiftException($"{path}: field \"total_tokens\" is {TotalTokens} but the shards hold {sum}");
        }
        if (Documents.Count != DocumentCount || Documents.Bytes != DocumentCount * sizeof(ulong))
        {
            throw new SiftException($"{path}: field \"documents\" records {Documents.Count} offsets / {Documents.Bytes} bytes, expected {DocumentCount} / {DocumentCount * sizeof(ulong)}");
        }
        if (DocumentCount > TotalTokens)
        {
            throw new SiftException($"{path}: {DocumentCount} documents cannot fit in {TotalTokens} tokens");
        }
    }
}
