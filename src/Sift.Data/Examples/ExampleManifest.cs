using System.Buffers.Binary;
using System.Text.Json;
using Sift.Core;
using Sift.Core.IO;

namespace Sift.Data.Examples;

/// <summary>
/// <c>examples.json</c>: what an example dataset holds and how it was made. Written last by <see cref="ExamplePacker"/>,
/// so a folder without it is not an example dataset.
/// </summary>
public sealed class ExampleManifest
{
    /// <summary>Value of "format".</summary>
    public const string FormatName = "sift-examples";

    /// <summary>File name inside the dataset folder.</summary>
    public const string FileName = "examples.json";

    /// <summary>One 16-byte record per example: first document (int64), documents (int32), label (int32).</summary>
    public const string RecordsFileName = "examples.bin";

    /// <summary>The loss-mask side array's folder (uint8 per token: 1 = completion token).</summary>
    public const string MaskFolder = "mask";

    /// <summary>Always "sift-examples".</summary>
    public string Format { get; set; } = FormatName;

    /// <summary>Format version.</summary>
    public int Version { get; set; } = 1;

    /// <summary>sft, pairs or kto.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Examples kept.</summary>
    public long Examples { get; set; }

    /// <summary>Documents (examples × documents per example).</summary>
    public long Documents { get; set; }

    /// <summary>Longest document in tokens (training needs train.seq_len ≥ this − 1).</summary>
    public int LongestDocument { get; set; }

    /// <summary>max_length in tokens per document.</summary>
    public int MaxLength { get; set; }

    /// <summary>keep_start or keep_end.</summary>
    public string Truncation { get; set; } = "keep_start";

    /// <summary>Documents longer than max_length that were cut.</summary>
    public long TruncatedDocuments { get; set; }

    /// <summary>Examples dropped because no completion token was left within max_length.</summary>
    public long DroppedExamples { get; set; }

    /// <summary>Prompt tokens over all documents.</summary>
    public long PromptTokens { get; set; }

    /// <summary>Completion tokens that are loss targets, over all documents.</summary>
    public long CompletionTargets { get; set; }

    /// <summary>KTO: examples labelled desirable.</summary>
    public long Desirable { get; set; }

    /// <summary>KTO: examples labelled undesirable.</summary>
    public long Undesirable { get; set; }

    /// <summary>prm/orm: read positions labelled positive.</summary>
    public long PositiveLabels { get; set; }

    /// <summary>prm/orm: read positions labelled negative.</summary>
    public long NegativeLabels { get; set; }

    /// <summary>prm/orm: the reward-model format whose prompts were packed (rm score --format).</summary>
    public string? RmFormat { get; set; }

    /// <summary>prm/orm: the positive and negative label token ids (the targets at read positions).</summary>
    public List<int>? LabelIds { get; set; }

    /// <summary>True when BOS was put before plain-text prompts.</summary>
    public bool Bos { get; set; }

    /// <summary>Input files.</summary>
    public List<string> Sources { get; set; } = [];

    /// <summary>The token dataset's <see cref="DatasetIndex.ContentFingerprint"/>: ties the records to the tokens.</summary>
    public string DatasetContentFingerprint { get; set; } = "";

    /// <summary>SHA-256 of examples.bin.</summary>
    public string RecordsSha256 { get; set; } = "";

    /// <summary>The kind as an enum.</summary>
    public ExampleKind ParsedKind => ExampleKinds.Parse(Kind, FileName);

    internal void Save(string folder) =>
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, DataJson.Options) + "\n");

    /// <summary>True when <paramref name="folder"/> holds an example dataset.</summary>
    public static bool IsExampleSet(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>Reads examples.json; errors name the file.</summary>
    public static ExampleManifest Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new SiftException($"{folder}: not an example dataset (no {FileName}); make one with `sift data pack --format sft|pairs|kto|prm|orm`");
        }
        ExampleManifest? m;
        try
        {
            m = JsonSerializer.Deserialize<ExampleManifest>(File.ReadAllText(path), DataJson.Options);
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: bad JSON: {ex.Message}", ex);
        }
        if (m is null || m.Format != FormatName || m.Version != 1)
        {
            throw new SiftException($"{path}: expected format \"{FormatName}\" version 1");
        }
        if (m.ParsedKind.IsStepLabelled() && m.LabelIds is not { Count: 2 })
        {
            throw new SiftException($"{path}: a {m.Kind} dataset needs \"label_ids\": [positive, negative]");
        }
        return m;
    }
}

/// <summary>One example: its documents [FirstDocument, FirstDocument + Documents) and, for KTO, its label.</summary>
/// <param name="FirstDocument">Index of the first document in the token dataset.</param>
/// <param name="Documents">1 (sft) or 2 (pairs: chosen, rejected; kto: the example, its KL document).</param>
/// <param name="Label">KTO: 1 desirable, 0 undesirable; −1 otherwise.</param>
public readonly record struct ExampleRecord(long FirstDocument, int Documents, int Label)
{
    /// <summary>Bytes per record in examples.bin.</summary>
    public const int Size = 16;

    internal void Write(Span<byte> dest)
    {
        BinaryPrimitives.WriteInt64LittleEndian(dest, FirstDocument);
        BinaryPrimitives.WriteInt32LittleEndian(dest[8..], Documents);
        BinaryPrimitives.WriteInt32LittleEndian(dest[12..], Label);
    }

    internal static ExampleRecord Read(ReadOnlySpan<byte> src) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(src), BinaryPrimitives.ReadInt32LittleEndian(src[8..]), BinaryPrimitives.ReadInt32LittleEndian(src[12..]));
}
