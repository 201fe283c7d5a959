using System.Text.Json;
using System.Text.Json.Serialization;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data;

namespace Sift.Pipelines.Selective;

/// <summary>What to export.</summary>
/// <param name="SeqLen">Window length T (the scores' when they are exported; training windows are T + 1 tokens).</param>
/// <param name="RefScores">Reference scores of the dataset (`sift score --data`), or null for tokens only.</param>
/// <param name="Labels">Per-token provenance labels (`sift data synth`'s web/labels), or null.</param>
/// <param name="WindowsPerShard">Windows per shard file.</param>
/// <param name="FirstWindow">First window exported.</param>
/// <param name="Windows">Windows exported (null: all from <paramref name="FirstWindow"/>).</param>
internal sealed record WindowExportOptions(int SeqLen, string? RefScores = null, string? Labels = null, int WindowsPerShard = 65_536, long FirstWindow = 0, long? Windows = null);

/// <summary>One shard of an export: windows [FirstWindow, FirstWindow + Windows) in three parallel .npy files.</summary>
internal sealed record WindowExportShard
{
    /// <summary>First window (stream offset FirstWindow · T).</summary>
    [JsonPropertyName("first_window")]
    public long FirstWindow { get; init; }

    /// <summary>Windows in the shard.</summary>
    [JsonPropertyName("windows")]
    public long Windows { get; init; }

    /// <summary>[windows, T + 1] token ids.</summary>
    [JsonPropertyName("input_ids")]
    public required string InputIds { get; init; }

    /// <summary>[windows, T] reference losses of input_ids[:, 1:], or null.</summary>
    [JsonPropertyName("ref_loss")]
    public string? RefLoss { get; init; }

    /// <summary>[windows, T] provenance labels of input_ids[:, 1:], or null.</summary>
    [JsonPropertyName("labels")]
    public string? Labels { get; init; }

    /// <summary>SHA-256 of each file, by file name.</summary>
    [JsonPropertyName("sha256")]
    public Dictionary<string, string> Sha256 { get; init; } = [];
}

/// <summary>
/// index.json of an export: token windows and the reference's per-token losses as memory-mappable .npy shards,
/// readable by PyTorch trainers without Sift (<c>integrations/torch/sift_slm.py</c>).
/// </summary>
internal sealed record WindowExportIndex
{
    /// <summary>The index file's name.</summary>
    public const string FileName = "index.json";

    /// <summary>Format tag.</summary>
    [JsonPropertyName("format")]
    public string Format { get; init; } = "sift-windows";

    /// <summary>Format version.</summary>
    [JsonPropertyName("version")]
    public int Version { get; init; } = 1;

    /// <summary>Window length T.</summary>
    [JsonPropertyName("seq_len")]
    public int SeqLen { get; init; }

    /// <summary>Windows exported in all shards.</summary>
    [JsonPropertyName("windows")]
    public long Windows { get; init; }

    /// <summary>Vocabulary of the dataset.</summary>
    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; }

    /// <summary>End-of-document id between packed documents, if any.</summary>
    [JsonPropertyName("eos_id")]
    public int? EosId { get; init; }

    /// <summary>NumPy dtype of input_ids ("uint16" or "uint32", the dataset's).</summary>
    [JsonPropertyName("input_ids_dtype")]
    public string InputIdsDType { get; init; } = "";

    /// <summary>NumPy dtype of ref_loss ("float16" or "float32", the scores'), or null.</summary>
    [JsonPropertyName("ref_loss_dtype")]
    public string? RefLossDType { get; init; }

    /// <summary>How the arrays line up with the stream and with each other.</summary>
    [JsonPropertyName("alignment")]
    public string Alignment { get; init; } =
        "window w holds stream tokens [w*T, w*T + T] (T + 1 ids; consecutive windows share one token); ref_loss[w, t] and labels[w, t] belong to input_ids[w, t + 1], " +
        "the target of position t: ref_loss[w, t] = -log p_ref(input_ids[w, t + 1] | input_ids[w, :t + 1]), scored with exactly these windows";

    /// <summary>The dataset folder (informational).</summary>
    [JsonPropertyName("dataset")]
    public string Dataset { get; init; } = "";

    /// <summary>The dataset's tokenizer fingerprint.</summary>
    [JsonPropertyName("tokenizer_fingerprint")]
    public string TokenizerFingerprint { get; init; } = "";

    /// <summary>The dataset's content fingerprint.</summary>
    [JsonPropertyName("content_fingerprint")]
    public string ContentFingerprint { get; init; } = "";

    /// <summary>SHA-256 of the reference model that scored the windows, or null.</summary>
    [JsonPropertyName("reference_model_sha256")]
    public string? ReferenceModelSha256 { get; init; }

    /// <summary>Names of the provenance label values, when labels are exported.</summary>
    [JsonPropertyName("label_names")]
    public Dictionary<string, string>? LabelNames { get; init; }

    /// <summary>The shards in window order.</summary>
    [JsonPropertyName("shards")]
    public List<WindowExportShard> Shards { get; init; } = [];

    /// <summary>Reads an index.</summary>
    public static WindowExportIndex Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new SiftException($"{folder}: not a window export (no {FileName})");
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), PipelinesJson.Default.WindowExportIndex) ?? throw new SiftException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{path}: invalid window export index: {ex.Message}");
        }
    }
}

/// <summary>
/// `sift data export`: a packed dataset, its reference scores and labels as training windows in .npy shards with a
/// JSON index — the hand-off from Sift's scoring (local or a vLLM fleet) to a PyTorch trainer on GPUs. The windows
/// are exactly the ones Sift trains and scores with (window w starts at stream token w·T), so the reference
/// losses line up with the targets one to one; index.json is written last, so a folder without it is incomplete.
/// </summary>
internal sealed class WindowExport(IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Writes the export of <paramref name="data"/> into <paramref name="outDir"/>.</summary>
    public WindowExportIndex Run(string data, string outDir, WindowExportOptions o, CancellationToken cancel = default)
    {
        if (o.SeqLen < 2)
        {
            throw new SiftException($"--seq-len: expected at least 2, got {o.SeqLen}");
        }
        if (o.WindowsPerShard < 1)
        {
            throw new SiftException($"--windows-per-shard: expected at least 1, got {o.WindowsPerShard}");
        }
        using var ds = TokenDataset.Open(data);
        int T = o.SeqLen;
        long total = ds.TotalTokens > T ? (ds.TotalTokens - 1) / T : 0;
        if (o.FirstWindow < 0 || o.FirstWindow >= Math.Max(1, total))
        {
            throw new SiftException($"--first-window: expected 0 .. {total - 1} ({data} has {total} windows of {T} + 1 tokens), got {o.FirstWindow}");
        }
        long count = Math.Min(o.Windows ?? long.MaxValue, total - o.FirstWindow);
        if (count < 1)
        {
            throw new SiftException($"{data}: no window of {T} + 1 tokens to export");
        }
        using var scores = o.RefScores is null ? null : ReferenceScores.Open(o.RefScores, ds, T);
        using var labels = o.Labels is null ? null : SideShardReader<byte>.Open(o.Labels, ds);
        Directory.CreateDirectory(outDir);
        string indexPath = Path.Combine(outDir, WindowExportIndex.FileName);
        if (File.Exists(indexPath))
        {
            File.Delete(indexPath); // the index goes last: until it is rewritten the folder reads as incomplete
        }
        bool half = scores?.Manifest.DType == "float16";
        var shards = new List<WindowExportShard>();
        var window = new int[T + 1];
        var ref32 = new float[T];
        var lab = new byte[T];
        for (long first = o.FirstWindow; first < o.FirstWindow + count; first += o.WindowsPerShard)
        {
            long n = Math.Min(o.WindowsPerShard, o.FirstWindow + count - first);
            string stem = $"shard-{shards.Count:D5}";
            shards.Add(WriteShard(ds, scores, labels, outDir, stem, first, n, T, half, window, ref32, lab, cancel));
            _progress.Report("export", first + n - o.FirstWindow, count, $"{shards.Count} shard(s)");
        }
        _progress.Done();
        var index = new WindowExportIndex
        {
            SeqLen = T,
            Windows = count,
            VocabSize = ds.VocabSize,
            EosId = ds.EosId,
            InputIdsDType = ds.DType.Name(),
            RefLossDType = scores is null ? null : half ? "float16" : "float32",
            Dataset = Path.GetFullPath(data),
            TokenizerFingerprint = ds.TokenizerFingerprint,
            ContentFingerprint = ds.Index.ContentFingerprint(),
            ReferenceModelSha256 = scores?.Manifest.ModelSha256,
            LabelNames = labels is null ? null : Sift.Synth.ProvenanceInfo.TextKinds.Append(Sift.Synth.Provenance.Separator)
                .ToDictionary(p => ((byte)p).ToString(System.Globalization.CultureInfo.InvariantCulture), p => Sift.Synth.ProvenanceInfo.Name((byte)p)),
            Shards = shards,
        };
        AtomicFile.WriteAllText(indexPath, JsonSerializer.Serialize(index, PipelinesJson.Indented.WindowExportIndex) + "\n");
        return index;
    }

    private static WindowExportShard WriteShard(TokenDataset ds, ReferenceScores? scores, SideShardReader<byte>? labels, string outDir, string stem,
        long first, long n, int T, bool half, int[] window, float[] ref32, byte[] lab, CancellationToken cancel)
    {
        var sha = new Dictionary<string, string>(StringComparer.Ordinal);
        string ids = stem + ".input_ids.npy";
        string? refName = scores is null ? null : stem + ".ref_loss.npy";
        string? labName = labels is null ? null : stem + ".labels.npy";
        long[] idShape = [n, T + 1], tShape = [n, T];
        using (var ids16 = ds.DType == TokenDType.UInt16 ? new NpyWriter<ushort>(Path.Combine(outDir, ids), idShape) : null)
        using (var ids32 = ds.DType == TokenDType.UInt32 ? new NpyWriter<uint>(Path.Combine(outDir, ids), idShape) : null)
        using (var refH = scores is not null && half ? new NpyWriter<Half>(Path.Combine(outDir, refName!), tShape) : null)
        using (var refF = scores is not null && !half ? new NpyWriter<float>(Path.Combine(outDir, refName!), tShape) : null)
        using (var labW = labels is null ? null : new NpyWriter<byte>(Path.Combine(outDir, labName!), tShape))
        {
            var u16 = new ushort[T + 1];
            var u32 = new uint[T + 1];
            var h = new Half[T];
            for (long w = first; w < first + n; w++)
            {
                cancel.ThrowIfCancellationRequested();
                long start = w * T;
                ds.ReadTokens(start, window);
                if (ids16 is not null)
                {
                    for (int i = 0; i <= T; i++)
                    {
                        u16[i] = (ushort)window[i];
                    }
                    ids16.Append(u16);
                }
                else
                {
                    for (int i = 0; i <= T; i++)
                    {
                        u32[i] = (uint)window[i];
                    }
                    ids32!.Append(u32);
                }
                // Side values of a window belong to its targets: stream positions start + 1 .. start + T.
                if (scores is not null)
                {
                    WindowSideData.ReadTargets(scores, [start], T, ref32);
                    if (refH is not null)
                    {
                        for (int i = 0; i < T; i++)
                        {
                            h[i] = (Half)ref32[i]; // exact: the scores were float16 to begin with
                        }
                        refH.Append(h);
                    }
                    else
                    {
                        refF!.Append(ref32);
                    }
                }
                if (labW is not null)
                {
                    WindowSideData.ReadTargets(labels!, [start], T, lab);
                    labW.Append(lab);
                }
            }
            sha[ids] = ids16?.Commit() ?? ids32!.Commit();
            if (refName is not null)
            {
                sha[refName] = refH?.Commit() ?? refF!.Commit();
            }
            if (labName is not null)
            {
                sha[labName] = labW!.Commit();
            }
        }
        return new WindowExportShard { FirstWindow = first, Windows = n, InputIds = ids, RefLoss = refName, Labels = labName, Sha256 = sha };
    }
}
