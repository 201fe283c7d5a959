using Sift.Core;

namespace Sift.Data.Examples;

/// <summary>
/// An example dataset opened for training: the token dataset, its loss mask and the example records. Opening checks
/// that the records and the mask belong to the tokens (content fingerprint, counts).
/// </summary>
public sealed class ExampleSet : IDisposable
{
    private readonly ExampleRecord[] _records;

    private ExampleSet(string folder, ExampleManifest manifest, TokenDataset tokens, SideShardReader<byte> mask, ExampleRecord[] records)
    {
        Folder = folder;
        Manifest = manifest;
        Tokens = tokens;
        Mask = mask;
        _records = records;
        Kind = manifest.ParsedKind;
    }

    /// <summary>The dataset folder.</summary>
    public string Folder { get; }

    /// <summary>examples.json.</summary>
    public ExampleManifest Manifest { get; }

    /// <summary>sft, pairs or kto.</summary>
    public ExampleKind Kind { get; }

    /// <summary>The token stream (one document per sequence).</summary>
    public TokenDataset Tokens { get; }

    /// <summary>Per-token loss mask (1 = completion token).</summary>
    public SideShardReader<byte> Mask { get; }

    /// <summary>Examples.</summary>
    public long Count => _records.Length;

    /// <summary>Example <paramref name="i"/>'s record.</summary>
    public ExampleRecord this[long i] => _records[i];

    /// <summary>Opens an example dataset folder.</summary>
    public static ExampleSet Open(string folder)
    {
        folder = Path.GetFullPath(folder);
        var manifest = ExampleManifest.Load(folder);
        var tokens = TokenDataset.Open(folder);
        SideShardReader<byte>? mask = null;
        try
        {
            string where = Path.Combine(folder, ExampleManifest.FileName);
            if (manifest.DatasetContentFingerprint != tokens.Index.ContentFingerprint())
            {
                throw new SiftException($"{where}: the examples were packed with other tokens (content fingerprint differs from index.json); re-pack the folder");
            }
            mask = SideShardReader<byte>.Open(Path.Combine(folder, ExampleManifest.MaskFolder), tokens);
            string recordsPath = Path.Combine(folder, ExampleManifest.RecordsFileName);
            byte[] bytes = File.Exists(recordsPath) ? File.ReadAllBytes(recordsPath) : throw new SiftException($"{recordsPath}: missing");
            if (bytes.Length != manifest.Examples * ExampleRecord.Size)
            {
                throw new SiftException($"{recordsPath}: {bytes.Length} bytes, expected {manifest.Examples} records of {ExampleRecord.Size}");
            }
            var records = new ExampleRecord[manifest.Examples];
            int docs = manifest.ParsedKind.DocumentsPerExample();
            for (int i = 0; i < records.Length; i++)
            {
                var r = ExampleRecord.Read(bytes.AsSpan(i * ExampleRecord.Size));
                if (r.Documents != docs || r.FirstDocument < 0 || r.FirstDocument + docs > tokens.DocumentCount)
                {
                    throw new SiftException($"{recordsPath}: record {i} ({r.FirstDocument}, {r.Documents}) does not fit the {tokens.DocumentCount} documents");
                }
                records[i] = r;
            }
            return new ExampleSet(folder, manifest, tokens, mask, records);
        }
        catch
        {
            mask?.Dispose();
            tokens.Dispose();
            throw;
        }
    }

    /// <summary>Stream range of document <paramref name="document"/>.</summary>
    public (long Start, int Length) Document(long document)
    {
        var (s, l) = Tokens.Document(document);
        return (s, checked((int)l));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Mask.Dispose();
        Tokens.Dispose();
    }
}
