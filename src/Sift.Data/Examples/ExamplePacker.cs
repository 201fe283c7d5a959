using System.Text;
using Sift.Core;
using Sift.Text;

namespace Sift.Data.Examples;

/// <summary>Settings for <see cref="ExamplePacker"/>.</summary>
public sealed record ExamplePackOptions
{
    /// <summary>What each line holds.</summary>
    public ExampleKind Kind { get; init; } = ExampleKind.Sft;

    /// <summary>Most tokens per document (prompt + completion), TRL's <c>max_length</c> (default 1024).</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Which end of a longer document is kept.</summary>
    public Truncation Truncation { get; init; } = Truncation.KeepStart;

    /// <summary>Put BOS before plain-text prompts: null = when the tokenizer's post-processor adds one (as TRL's tokenizer call).</summary>
    public bool? AddBos { get; init; }

    /// <summary>Chat template renderer for chat-format fields (null: chat lines are an error).</summary>
    public IChatEncoder? Chat { get; init; }

    /// <summary>prm and orm: the reward-model encoder that reads each line and builds the scorer's prompt (required for them).</summary>
    public ILabelledLineEncoder? Labelled { get; init; }

    /// <summary>Maximum tokens per shard.</summary>
    public long MaxShardTokens { get; init; } = 64L << 20;

    /// <summary>Tokenizer threads; the output does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Lines tokenized per parallel batch.</summary>
    public int BatchLines { get; init; } = 512;

    /// <summary>Replace an existing dataset in the output folder.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>Packing progress: lines read, examples kept, tokens written.</summary>
public readonly record struct ExamplePackProgress(long Lines, long Examples, long Tokens, long BytesRead, long BytesTotal);

/// <summary>
/// Packs JSONL example files (TRL's dataset fields) into an example dataset: a token dataset whose documents are the
/// examples' sequences, the per-token loss mask as a uint8 side array (<c>mask/</c>: 1 = completion token, TRL's
/// <c>completion_only_loss</c>), the example records (<c>examples.bin</c>) and <c>examples.json</c>, written last.
/// Documents longer than max_length are cut (keep_start or keep_end); an example with no completion target left is
/// dropped and counted. Output bytes do not depend on the thread count. Lines that cannot be read are errors naming
/// file:line and the field.
/// </summary>
public sealed class ExamplePacker
{
    private readonly ITokenizer _tokenizer;
    private readonly ExamplePackOptions _o;
    private readonly ExampleEncoder _encoder;

    /// <summary>Creates a packer.</summary>
    public ExamplePacker(ITokenizer tokenizer, ExamplePackOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxLength < 2)
        {
            throw new SiftException($"max_length {options.MaxLength}: a document needs at least 2 tokens (one target)");
        }
        if (options.Kind.IsStepLabelled())
        {
            if (options.Labelled is null)
            {
                throw new SiftException($"--format {options.Kind.Name()}: needs a reward-model format (--rm-format) to build the scorer's prompts");
            }
            if (options.Truncation != Truncation.KeepStart)
            {
                throw new SiftException($"--format {options.Kind.Name()}: only keep_start truncation (the scorer keeps the start of a long prompt and drops the steps past it)");
            }
        }
        _tokenizer = tokenizer;
        _o = options;
        bool bos = options.AddBos ?? tokenizer is HfTokenizer { AddsBos: true };
        _encoder = new ExampleEncoder(tokenizer, options.Chat, bos);
        Bos = bos && tokenizer.BosId is not null;
    }

    private bool Bos { get; }

    /// <summary>Packs <paramref name="inputs"/> (JSONL files or folders of them) into <paramref name="outputFolder"/>.</summary>
    public ExampleManifest Pack(IEnumerable<string> inputs, string outputFolder, Action<ExamplePackProgress>? progress = null, CancellationToken cancel = default)
    {
        var files = ShardPacker.ExpandInputs(inputs);
        foreach (string f in files.Where(f => !DocumentReader.IsJsonlName(f)))
        {
            throw new SiftException($"{f}: example files are JSONL (.jsonl or .ndjson), one example per line");
        }
        long bytesTotal = files.Sum(f => new FileInfo(f).Length);
        outputFolder = Path.GetFullPath(outputFolder);
        Prepare(outputFolder);

        var manifest = new ExampleManifest
        {
            Kind = _o.Kind.Name(),
            MaxLength = _o.MaxLength,
            Truncation = _o.Truncation == Truncation.KeepStart ? "keep_start" : "keep_end",
            Bos = Bos,
            Sources = files.Select(Path.GetFullPath).ToList(),
            RmFormat = _o.Kind.IsStepLabelled() ? _o.Labelled!.Format : null,
            LabelIds = _o.Kind.IsStepLabelled() ? [_o.Labelled!.PositiveId, _o.Labelled.NegativeId] : null,
        };
        var dtype = TokenDTypes.ForVocab(_tokenizer.VocabSize);
        string maskTemp = Path.Combine(outputFolder, ".mask.tmp");
        var records = new List<ExampleRecord>();
        using (var writer = new ShardStreamWriter(outputFolder, dtype, _o.MaxShardTokens))
        using (var mask = new FileStream(maskTemp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var sink = new Sink(writer, mask, manifest, records, _o);
            int filler = _tokenizer.EosId ?? _o.Labelled?.PositiveId ?? 0;
            long lines = 0, bytesRead = 0;
            foreach (var batch in Batches(files, b => bytesRead += b))
            {
                cancel.ThrowIfCancellationRequested();
                foreach (var (line, seqs) in EncodeBatch(batch, filler, cancel))
                {
                    sink.Add(line, seqs);
                }
                lines += batch.Count;
                progress?.Invoke(new ExamplePackProgress(lines, records.Count, writer.TotalTokens, bytesRead, bytesTotal));
            }
            sink.Finish(files);
            var documents = writer.Finish();
            mask.Flush(flushToDisk: true);
            var index = new DatasetIndex
            {
                Dtype = dtype.Name(),
                VocabSize = _tokenizer.VocabSize,
                EosId = _tokenizer.EosId,
                EosAfterEachDocument = false,
                TokenizerFingerprint = _tokenizer.Fingerprint,
                TotalTokens = writer.TotalTokens,
                DocumentCount = writer.DocumentCount,
                MaxShardTokens = _o.MaxShardTokens,
                Shards = writer.Shards,
                Documents = documents,
            };
            index.Save(outputFolder);
            manifest.DatasetContentFingerprint = index.ContentFingerprint();
            mask.Dispose();
            WriteMask(outputFolder, index, maskTemp);
            manifest.RecordsSha256 = WriteRecords(outputFolder, records);
            manifest.Examples = records.Count;
            manifest.Documents = writer.DocumentCount;
            progress?.Invoke(new ExamplePackProgress(lines, records.Count, writer.TotalTokens, bytesTotal, bytesTotal));
        }
        manifest.Save(outputFolder); // last: until now the folder is not an example dataset
        return manifest;
    }

    /// <summary>Receives encoded examples in input order and writes their documents (KTO holds one back for its KL document).</summary>
    private sealed class Sink(ShardStreamWriter writer, FileStream mask, ExampleManifest m, List<ExampleRecord> records, ExamplePackOptions o)
    {
        private (MaskedSequence Seq, bool Label, string Where)? _pending, _first;

        public void Add(ExampleLine? line, MaskedSequence[] seqs)
        {
            var cut = seqs.Select(s => s.Truncate(o.MaxLength, o.Truncation)).ToArray();
            if (cut.Any(s => s.TrainedTargets == 0))
            {
                m.DroppedExamples++;
                return;
            }
            m.TruncatedDocuments += seqs.Count(s => s.Tokens.Length > o.MaxLength);
            if (o.Kind != ExampleKind.Kto)
            {
                records.Add(new ExampleRecord(writer.DocumentCount, cut.Length, -1));
                if (o.Kind.IsStepLabelled())
                {
                    CountLabels(cut[0].Mask);
                }
                foreach (var s in cut)
                {
                    Write(s);
                }
                return;
            }
            var current = (seqs[0], line!.Label!.Value, line.Where);
            _first ??= current;
            if (_pending is { } p)
            {
                WriteKto(p.Seq, p.Label, seqs[0]);
            }
            _pending = current;
        }

        public void Finish(List<string> files)
        {
            if (_pending is { } p)
            {
                WriteKto(p.Seq, p.Label, _first!.Value.Seq);
            }
            string what = string.Join(", ", files);
            if (records.Count == 0)
            {
                throw new SiftException($"{what}: no example left to pack ({m.DroppedExamples} dropped because no completion token fits in max_length {o.MaxLength})");
            }
            if (o.Kind == ExampleKind.Kto && (m.Desirable == 0 || m.Undesirable == 0))
            {
                throw new SiftException($"{what}: all {records.Count} KTO examples are labelled {(m.Desirable == 0 ? "false (undesirable)" : "true (desirable)")}; " +
                    "KTO needs both desirable (\"label\": true) and undesirable (\"label\": false) examples");
            }
        }

        // The example, then its KL document: this prompt with the next example's completion (a mismatched pair).
        private void WriteKto(MaskedSequence seq, bool label, MaskedSequence next)
        {
            records.Add(new ExampleRecord(writer.DocumentCount, 2, label ? 1 : 0));
            if (label)
            {
                m.Desirable++;
            }
            else
            {
                m.Undesirable++;
            }
            Write(seq.Truncate(o.MaxLength, o.Truncation));
            var kl = MaskedSequence.Join(seq.Tokens.AsSpan(0, seq.PromptLength), next.Tokens.AsSpan(next.PromptLength));
            Write(kl.Truncate(o.MaxLength, o.Truncation));
        }

        private void CountLabels(byte[] mask)
        {
            foreach (byte b in mask)
            {
                m.PositiveLabels += b == StepLabelCodes.Positive ? 1 : 0;
                m.NegativeLabels += b == StepLabelCodes.Negative ? 1 : 0;
            }
        }

        private void Write(MaskedSequence s)
        {
            writer.AddDocument(s.Tokens);
            mask.Write(s.Mask);
            m.LongestDocument = Math.Max(m.LongestDocument, s.Tokens.Length);
            m.PromptTokens += s.PromptLength;
            m.CompletionTargets += s.TrainedTargets;
        }
    }

    private IEnumerable<List<(string Where, string Json)>> Batches(List<string> files, Action<long> bytes)
    {
        var batch = new List<(string, string)>();
        foreach (string file in files)
        {
            using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            long lineNo = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                batch.Add(($"{file}:{lineNo}", line));
                if (batch.Count == _o.BatchLines)
                {
                    yield return batch;
                    batch = [];
                }
            }
            bytes(new FileInfo(file).Length);
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private (ExampleLine?, MaskedSequence[])[] EncodeBatch(List<(string Where, string Json)> batch, int filler, CancellationToken cancel)
    {
        var results = new (ExampleLine?, MaskedSequence[])[batch.Count];
        var errors = new Exception?[batch.Count];
        Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _o.Threads), CancellationToken = cancel }, i =>
        {
            try
            {
                if (_o.Kind.IsStepLabelled())
                {
                    results[i] = (null, [MaskedSequence.FromLabelled(Checked(_o.Labelled!.Encode(batch[i].Json, batch[i].Where), batch[i].Where), filler)]);
                    return;
                }
                var line = ExampleLine.Parse(batch[i].Json, batch[i].Where, _o.Kind);
                results[i] = (line, _encoder.Encode(line, _o.Kind));
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        });
        // The first bad line in input order, whichever thread met it first.
        foreach (var e in errors)
        {
            if (e is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
        return results;
    }

    // The encoder is outside this assembly: hold it to its contract, so the mask can never be misplaced.
    private LabelledPrompt Checked(LabelledPrompt p, string where)
    {
        if (p.Rows.Length != p.Labels.Length || p.Rows.Length == 0)
        {
            throw new SiftException($"{where}: {p.Rows.Length} read positions for {p.Labels.Length} labels (expected the same number, at least one)");
        }
        for (int k = 0; k < p.Rows.Length; k++)
        {
            if (p.Rows[k] < 0 || p.Rows[k] >= p.Tokens.Length || (k > 0 && p.Rows[k] <= p.Rows[k - 1]))
            {
                throw new SiftException($"{where}: read positions [{string.Join(", ", p.Rows)}] are not ascending positions below {p.Tokens.Length}");
            }
        }
        int vocab = _tokenizer.VocabSize;
        if (p.Tokens.Any(id => (uint)id >= (uint)vocab))
        {
            throw new SiftException($"{where}: the prompt has a token id outside the vocabulary 0 .. {vocab - 1}");
        }
        return p;
    }

    private void Prepare(string folder)
    {
        Directory.CreateDirectory(folder);
        bool exists = File.Exists(Path.Combine(folder, DatasetIndex.FileName)) || File.Exists(Path.Combine(folder, ExampleManifest.FileName));
        if (exists && !_o.Overwrite)
        {
            throw new SiftException($"{folder}: already holds a dataset; choose another folder or overwrite");
        }
        // Markers first, so an interrupted re-pack never looks valid.
        File.Delete(Path.Combine(folder, ExampleManifest.FileName));
        File.Delete(Path.Combine(folder, DatasetIndex.FileName));
        foreach (string stale in Directory.EnumerateFiles(folder, "shard-*.bin")
            .Append(Path.Combine(folder, DatasetIndex.DocumentsFileName)).Append(Path.Combine(folder, ExampleManifest.RecordsFileName)))
        {
            File.Delete(stale);
        }
        string mask = Path.Combine(folder, ExampleManifest.MaskFolder);
        if (Directory.Exists(mask))
        {
            Directory.Delete(mask, recursive: true);
        }
    }

    private static void WriteMask(string folder, DatasetIndex index, string temp)
    {
        using (var w = new SideShardWriter<byte>(Path.Combine(folder, ExampleManifest.MaskFolder), index))
        using (var f = File.OpenRead(temp))
        {
            var buf = new byte[1 << 20];
            int read;
            while ((read = f.Read(buf, 0, buf.Length)) > 0)
            {
                w.Append(buf.AsSpan(0, read));
            }
            w.Complete();
        }
        File.Delete(temp);
    }

    private static string WriteRecords(string folder, List<ExampleRecord> records)
    {
        using var w = new HashingFileWriter(Path.Combine(folder, ExampleManifest.RecordsFileName));
        var buf = new byte[ExampleRecord.Size];
        foreach (var r in records)
        {
            r.Write(buf);
            w.Write(buf);
        }
        return w.Commit();
    }
}
