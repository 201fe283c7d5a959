using Sift.Core;
using Sift.Text;

namespace Sift.Data;

/// <summary>
/// Tokenises JSONL or plain-text corpora into a token dataset folder (see FORMAT.md).
/// Streams: memory is bounded by one or two batches, never the corpus. Documents are tokenised
/// in parallel batches but written in input order, so the output bytes do not depend on thread count.
/// </summary>
public sealed class ShardPacker
{
    private readonly ITokenizer _tokenizer;
    private readonly PackOptions _options;

    /// <summary>Creates a packer for <paramref name="tokenizer"/>.</summary>
    public ShardPacker(ITokenizer tokenizer, PackOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _options = options ?? new PackOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxShardTokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.Threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.BatchDocuments);
    }

    /// <summary>
    /// Packs <paramref name="inputs"/> (files, or folders whose files are taken recursively in ordinal
    /// path order) into <paramref name="outputFolder"/>. Documents that tokenise to nothing are skipped.
    /// Returns the written index.
    /// </summary>
    public DatasetIndex Pack(IEnumerable<string> inputs, string outputFolder, Action<PackProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var files = ExpandInputs(inputs);
        long bytesTotal = files.Sum(f => new FileInfo(f).Length);
        outputFolder = Path.GetFullPath(outputFolder);
        PrepareOutput(outputFolder);

        var dtype = TokenDTypes.ForVocab(_tokenizer.VocabSize);
        int? eos = _tokenizer.EosId;
        var reader = new DocumentReader(_options);
        using var writer = new ShardStreamWriter(outputFolder, dtype, _options.MaxShardTokens);

        using var docs = reader.Read(files).GetEnumerator();
        var batch = ReadBatch(docs);
        while (batch.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Tokenise this batch on workers while this thread reads the next one.
            var current = batch;
            var work = Task.Run(() => Tokenize(current, eos, cancellationToken), cancellationToken);
            batch = ReadBatch(docs);
            foreach (var tokens in work.GetAwaiter().GetResult())
            {
                if (tokens.Length > 0)
                {
                    writer.AddDocument(tokens);
                }
            }
            progress?.Invoke(new PackProgress(writer.DocumentCount, writer.TotalTokens, reader.BytesRead, bytesTotal, writer.Shards.Count));
        }

        var documents = writer.Finish();
        var index = new DatasetIndex
        {
            Dtype = dtype.Name(),
            VocabSize = _tokenizer.VocabSize,
            EosId = eos,
            EosAfterEachDocument = eos is not null,
            TokenizerFingerprint = _tokenizer.Fingerprint,
            TotalTokens = writer.TotalTokens,
            DocumentCount = writer.DocumentCount,
            MaxShardTokens = _options.MaxShardTokens,
            Shards = writer.Shards,
            Documents = documents,
        };
        index.Save(outputFolder); // last: until now the folder has no index and cannot be opened
        progress?.Invoke(new PackProgress(writer.DocumentCount, writer.TotalTokens, bytesTotal, bytesTotal, writer.Shards.Count));
        return index;
    }

    private List<RawDocument> ReadBatch(IEnumerator<RawDocument> docs)
    {
        var batch = new List<RawDocument>(Math.Min(_options.BatchDocuments, 4096));
        long chars = 0;
        while (batch.Count < _options.BatchDocuments && chars < _options.BatchChars && docs.MoveNext())
        {
            batch.Add(docs.Current);
            chars += docs.Current.Payload.Length;
        }
        return batch;
    }

    /// <summary>Tokenises a batch in parallel; slot i holds document i's tokens (+EOS), or empty when it tokenised to nothing.</summary>
    private int[][] Tokenize(List<RawDocument> batch, int? eos, CancellationToken ct)
    {
        var results = new int[batch.Count][];
        var errors = new Exception?[batch.Count];
        int vocab = _tokenizer.VocabSize;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Threads, CancellationToken = ct };
        Parallel.For(0, batch.Count, parallel, i =>
        {
            try
            {
                var doc = batch[i];
                string text = DocumentReader.TextOf(doc, _options.TextField);
                int[] ids = text.Length == 0 ? [] : _tokenizer.Encode(text);
                foreach (int id in ids)
                {
                    if ((uint)id >= (uint)vocab)
                    {
                        throw new SiftException($"{doc.File}:{doc.Line}: tokenizer produced id {id}, outside its vocabulary 0 .. {vocab - 1}");
                    }
                }
                if (ids.Length > 0 && eos is int e)
                {
                    Array.Resize(ref ids, ids.Length + 1);
                    ids[^1] = e;
                }
                results[i] = ids;
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        });
        // Report the first failing document in input order, whatever thread hit it first.
        foreach (var e in errors)
        {
            if (e is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
        return results;
    }

    internal static List<string> ExpandInputs(IEnumerable<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.'))
                    .Order(StringComparer.Ordinal);
                files.AddRange(found);
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new SiftException($"{input}: input file or folder does not exist");
            }
        }
        if (files.Count == 0)
        {
            throw new SiftException($"no input files found in: {string.Join(", ", inputs)}");
        }
        return files;
    }

    private void PrepareOutput(string folder)
    {
        Directory.CreateDirectory(folder);
        string index = Path.Combine(folder, DatasetIndex.FileName);
        if (File.Exists(index))
        {
            if (!_options.Overwrite)
            {
                throw new SiftException($"{folder}: already holds a dataset ({DatasetIndex.FileName}); choose another folder or overwrite");
            }
            File.Delete(index); // first, so an interrupted re-pack never looks valid
        }
        foreach (string stale in Directory.EnumerateFiles(folder, "shard-*.bin")
            .Append(Path.Combine(folder, DatasetIndex.DocumentsFileName)))
        {
            File.Delete(stale);
        }
    }
}
