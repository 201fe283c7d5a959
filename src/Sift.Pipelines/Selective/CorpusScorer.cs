using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Model;
using Sift.Engine.Ops;

namespace Sift.Pipelines.Selective;

/// <summary>Settings of a corpus scoring job.</summary>
/// <param name="SeqLen">Window length T; must equal the student's training window so contexts match.</param>
/// <param name="Batch">Windows per forward pass.</param>
/// <param name="DType">"float16" (half the disk; ample precision for ranking) or "float32".</param>
/// <param name="Part">This process's part, 0-based.</param>
/// <param name="Parts">Number of parts the corpus is split into (separate processes or machines).</param>
/// <param name="PerDocument">Score each document alone from position 0 (reference log-probs of an example dataset for
/// preference objectives) instead of stride-T windows; the window is then the longest document and SeqLen is ignored.</param>
internal sealed record CorpusScoreOptions(int SeqLen, int Batch = 8, string DType = "float16", int Part = 0, int Parts = 1, bool PerDocument = false);

/// <summary>What a scoring call did.</summary>
internal sealed record CorpusScoreResult(long TokensScored, double Seconds, bool Complete, string Folder);

/// <summary>
/// Step 2 of selective training: the reference model's loss for every token of a packed corpus, aligned 1:1
/// with the token stream (score[p] = −log p_ref(token p | its window's prefix), score[0] = 0), using exactly the
/// student's windows (stride T, positions restarting at 0 per window). Work is split into parts by window
/// range; each part appends to its own file and records its progress atomically after every batch, so a
/// killed job resumes without repeating or losing work. When every part is done the parts are merged into a
/// side shard (Sift.Data) whose index ties it to the dataset's fingerprint. With <see cref="CorpusScoreOptions.PerDocument"/>
/// the units are documents instead of windows: each is scored alone from position 0 (score[first token] = 0), as the
/// example rows of fine-tuning and preference training see them.
/// </summary>
internal sealed class CorpusScorer
{
    private readonly IProgressReporter _progress;
    private readonly Func<CorpusScoreOptions, IWindowScorer> _open;
    private readonly bool _ownsScorer;

    /// <summary>Scores with any window scorer (local or remote); the caller keeps ownership of it.</summary>
    public CorpusScorer(IWindowScorer scorer, IProgressReporter? progress = null)
    {
        _progress = progress ?? NullProgress.Instance;
        _open = _ => scorer;
    }

    /// <summary>Scores with the local engine (<see cref="LocalWindowScorer"/>, batch from the options).</summary>
    public CorpusScorer(LlamaModel model, Compute compute, string modelDir, IProgressReporter? progress = null)
    {
        _progress = progress ?? NullProgress.Instance;
        _open = o => new LocalWindowScorer(model, compute, modelDir, Math.Max(1, o.Batch));
        _ownsScorer = true;
    }

    /// <summary>Scores (or resumes) one part; merges when all parts are complete.</summary>
    public CorpusScoreResult Run(string datasetFolder, string outFolder, CorpusScoreOptions o, CancellationToken cancel = default)
    {
        if (o.Parts < 1 || o.Part < 0 || o.Part >= o.Parts)
        {
            throw new SiftException($"--part {o.Part + 1}/{o.Parts}: expected i/n with 1 ≤ i ≤ n");
        }
        if (o.DType is not ("float16" or "float32"))
        {
            throw new SiftException($"--dtype '{o.DType}': expected float16 or float32");
        }
        using var ds = TokenDataset.Open(datasetFolder);
        var units = o.PerDocument ? ScoringUnits.Documents(ds) : ScoringUnits.Windows(ds.TotalTokens, o.SeqLen);
        o = o with { SeqLen = units.SeqLen };
        var scorer = _open(o);
        using var owned = _ownsScorer ? scorer : null;
        if (o.SeqLen < 1)
        {
            throw new SiftException($"--seq-len must be ≥ 1, got {o.SeqLen}");
        }
        if (scorer.MaxWindow is int maxWindow && o.SeqLen > maxWindow)
        {
            throw new SiftException(scorer is RemoteWindowScorer
                ? $"--seq-len {o.SeqLen} needs prompts of {o.SeqLen + 1} tokens, more than the server's max_model_len {maxWindow + 1}; start it with a longer context"
                : $"--seq-len {o.SeqLen} exceeds the reference model's max_position_embeddings {maxWindow}");
        }
        if (scorer.VocabSize is int vocab && ds.VocabSize > vocab)
        {
            throw new SiftException($"{datasetFolder}: the data's vocabulary ({ds.VocabSize}) is larger than the reference model's ({vocab})");
        }
        Directory.CreateDirectory(outFolder);
        var manifest = new ScoresManifest
        {
            Dataset = Path.GetFullPath(datasetFolder),
            TokenizerFingerprint = ds.TokenizerFingerprint,
            TotalTokens = ds.TotalTokens,
            ModelSha256 = scorer.Identity,
            Model = scorer.Label,
            SeqLen = o.SeqLen,
            DType = o.DType,
            Parts = o.Parts,
            Layout = units.Layout,
        };
        var existing = ScoresManifest.TryLoad(outFolder);
        if (existing is not null)
        {
            CheckSame(existing, manifest, outFolder);
            if (existing.Complete)
            {
                _progress.Line($"{outFolder}: already complete");
                return new CorpusScoreResult(0, 0, true, outFolder);
            }
        }
        else
        {
            manifest.Save(outFolder);
        }

        int T = o.SeqLen;
        long windows = units.Count;
        long w0 = windows * o.Part / o.Parts, w1 = windows * (o.Part + 1) / o.Parts;
        string partsDir = Path.Combine(outFolder, "parts");
        Directory.CreateDirectory(partsDir);
        string stem = Path.Combine(partsDir, $"part-{o.Part:D5}-of-{o.Parts:D5}");
        long done = ReadProgress(stem + ".json");
        long wStart = w0 + done;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long scored = 0;

        if (wStart < w1 || w1 == w0)
        {
            using var file = new FileStream(stem + ".bin", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            // Drop anything written after the last recorded progress (a kill between append and record).
            long expectBytes = (units.ValueStart(w0 + done) - units.ValueStart(w0)) * sizeof(float);
            file.SetLength(expectBytes);
            file.Seek(expectBytes, SeekOrigin.Begin);
            int batch = Math.Max(1, scorer.PreferredBatch);
            var values = new List<float>();
            for (long w = wStart; w < w1; w += batch)
            {
                cancel.ThrowIfCancellationRequested();
                int nb = (int)Math.Min(batch, w1 - w);
                var batchUnits = new int[nb][];
                for (int b = 0; b < nb; b++)
                {
                    var (start, length) = units.Tokens(w + b);
                    batchUnits[b] = new int[length];
                    ds.ReadTokens(start, batchUnits[b]);
                }
                // A one-token document has no target: nothing to score.
                var scorable = Enumerable.Range(0, nb).Where(b => batchUnits[b].Length >= 2).ToList();
                var losses = scorable.Count == 0 ? [] : scorer.Score(scorable.Select(b => batchUnits[b]).ToList(), T, cancel);
                values.Clear();
                for (int b = 0, k = 0; b < nb; b++)
                {
                    if (units.LeadingZero(w + b))
                    {
                        values.Add(0f); // the first value of the stream (or of a document) is never a target
                    }
                    if (batchUnits[b].Length < 2)
                    {
                        continue;
                    }
                    var l = losses[k++];
                    if (l.Length != batchUnits[b].Length - 1)
                    {
                        throw new SiftException($"{units.Name} {w + b}: the scorer returned {l.Length} losses for {batchUnits[b].Length - 1} targets");
                    }
                    values.AddRange(l);
                }
                file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values)));
                file.Flush(flushToDisk: true);
                scored += values.Count;
                done += nb;
                AtomicFile.WriteAllText(stem + ".json", new JsonObject { ["windows_done"] = done, ["windows"] = w1 - w0 }.ToJsonString() + "\n");
                double tps = scored / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
                _progress.Report($"score part {o.Part + 1}/{o.Parts}", done, w1 - w0, $"{tps / 1000:0.0}k tok/s");
            }
            if (w1 == w0)
            {
                AtomicFile.WriteAllText(stem + ".json", new JsonObject { ["windows_done"] = 0, ["windows"] = 0 }.ToJsonString() + "\n");
            }
        }
        _progress.Done();
        bool complete = TryMerge(ds, outFolder, manifest, windows, T);
        return new CorpusScoreResult(scored, sw.Elapsed.TotalSeconds, complete, outFolder);
    }

    private static long ReadProgress(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["windows_done"]?.GetValue<long>() ?? 0;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new SiftException($"{path}: corrupt progress record ({ex.Message}); delete it to rescore this part");
        }
    }

    private bool TryMerge(TokenDataset ds, string outFolder, ScoresManifest manifest, long windows, int T)
    {
        string partsDir = Path.Combine(outFolder, "parts");
        for (int i = 0; i < manifest.Parts; i++)
        {
            long w0 = windows * i / manifest.Parts, w1 = windows * (i + 1) / manifest.Parts;
            if (ReadProgress(Path.Combine(partsDir, $"part-{i:D5}-of-{manifest.Parts:D5}.json")) < w1 - w0 || !File.Exists(Path.Combine(partsDir, $"part-{i:D5}-of-{manifest.Parts:D5}.json")))
            {
                _progress.Line($"part {i + 1}/{manifest.Parts} is not finished yet; the scores are merged when the last part completes");
                return false;
            }
        }
        string lockPath = Path.Combine(outFolder, "merge.lock");
        FileStream lk;
        try
        {
            lk = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            _progress.Line("another process is merging the parts");
            return false;
        }
        using (lk)
        {
            double sum = 0;
            long count = 0;
            if (manifest.DType == "float16")
            {
                using var w = new SideShardWriter<Half>(outFolder, ds);
                MergeParts(partsDir, manifest.Parts, span =>
                {
                    var h = new Half[span.Length];
                    for (int i = 0; i < span.Length; i++)
                    {
                        h[i] = (Half)span[i];
                        sum += span[i];
                    }
                    count += span.Length;
                    w.Append(h);
                });
                w.Complete();
            }
            else
            {
                using var w = new SideShardWriter<float>(outFolder, ds);
                MergeParts(partsDir, manifest.Parts, span =>
                {
                    foreach (float f in span)
                    {
                        sum += f;
                    }
                    count += span.Length;
                    w.Append(span);
                });
                w.Complete();
            }
            (manifest with { Complete = true, MeanLoss = Math.Round(sum / Math.Max(1, count - 1), 6) }).Save(outFolder);
            Directory.Delete(partsDir, recursive: true);
        }
        return true;
    }

    private static void MergeParts(string partsDir, int parts, Action<float[]> sink)
    {
        var buf = new byte[1 << 20];
        for (int i = 0; i < parts; i++)
        {
            using var f = File.OpenRead(Path.Combine(partsDir, $"part-{i:D5}-of-{parts:D5}.bin"));
            int read;
            while ((read = f.Read(buf, 0, buf.Length)) > 0)
            {
                if (read % 4 != 0)
                {
                    int more = f.Read(buf, read, 4 - read % 4);
                    read += more;
                }
                var vals = new float[read / 4];
                Buffer.BlockCopy(buf, 0, vals, 0, read);
                sink(vals);
            }
        }
    }

    private static void CheckSame(ScoresManifest a, ScoresManifest b, string folder)
    {
        void Same<T>(string what, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
            {
                throw new SiftException($"{folder}: existing scores were made with {what} {x}, this run has {y}; use another --output folder");
            }
        }
        Same("tokenizer", a.TokenizerFingerprint, b.TokenizerFingerprint);
        Same("dataset tokens", a.TotalTokens, b.TotalTokens);
        Same("reference model", a.ModelSha256, b.ModelSha256);
        Same("seq_len", a.SeqLen, b.SeqLen);
        Same("dtype", a.DType, b.DType);
        Same("parts", a.Parts, b.Parts);
        Same("layout", a.Layout, b.Layout);
    }
}
