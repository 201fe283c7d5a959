using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.Reporting;
using Sift.Data;
using Sift.Synth;
using Sift.Text;

namespace Sift.Pipelines.Synth;

/// <summary>What <see cref="WebLabelWriter.Write"/> produced.</summary>
/// <param name="Shares">Share of tokens per provenance name (separators included).</param>
/// <param name="MixedShare">Share of tokens whose characters carried more than one label.</param>
internal sealed record WebLabelStats(Dictionary<string, double> Shares, double MixedShare);

/// <summary>
/// Writes the per-token provenance side shard of a packed web corpus from its JSONL (text + character spans).
/// Documents are re-tokenised in input order and every token id is compared with the packed stream, so a
/// label can never be attached to the wrong token; the side shard records the dataset's fingerprint.
/// </summary>
internal static class WebLabelWriter
{
    /// <summary>Labels <paramref name="packedFolder"/> (packed from <paramref name="jsonl"/> with <paramref name="tokenizer"/>) into <paramref name="labelsFolder"/>.</summary>
    public static WebLabelStats Write(string jsonl, string packedFolder, string labelsFolder, ITokenizer tokenizer, int threads, IProgressReporter progress, CancellationToken cancel = default)
    {
        using var ds = TokenDataset.Open(packedFolder);
        ds.EnsureTokenizer(tokenizer);
        var labeler = new TokenLabeler(tokenizer);
        var counts = new long[256];
        using var writer = new SideShardWriter<byte>(labelsFolder, ds);
        long doc = 0, lineNo = 0;
        var batch = new List<(long Line, string Text, List<LabelSpan> Spans)>();
        var stream = new int[4096];

        void Flush()
        {
            var results = new (int[] Ids, byte[] Labels)[batch.Count];
            Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel },
                i => results[i] = labeler.Label(batch[i].Text, batch[i].Spans, $"{jsonl}:{batch[i].Line}"));
            for (int i = 0; i < batch.Count; i++)
            {
                var (ids, labels) = results[i];
                if (ids.Length == 0)
                {
                    continue; // the packer skips documents that tokenise to nothing
                }
                var (start, length) = ds.Document(doc);
                int expect = ids.Length + (ds.Index.EosAfterEachDocument ? 1 : 0);
                if (length != expect)
                {
                    throw new SiftException($"{jsonl}:{batch[i].Line}: document {doc} has {length} tokens in {packedFolder} but re-tokenises to {expect}");
                }
                if (stream.Length < ids.Length)
                {
                    stream = new int[ids.Length * 2];
                }
                ds.ReadTokens(start, stream.AsSpan(0, ids.Length));
                if (!stream.AsSpan(0, ids.Length).SequenceEqual(ids))
                {
                    throw new SiftException($"{jsonl}:{batch[i].Line}: document {doc}'s tokens in {packedFolder} differ from its re-tokenisation (packed with another tokenizer?)");
                }
                writer.Append(labels);
                foreach (byte l in labels)
                {
                    counts[l]++;
                }
                if (ds.Index.EosAfterEachDocument)
                {
                    writer.Append([(byte)Provenance.Separator]);
                    counts[(int)Provenance.Separator]++;
                }
                doc++;
            }
            batch.Clear();
            progress.Report("label web", doc, ds.DocumentCount, $"{writer.Written:N0} tokens");
        }

        foreach (string line in File.ReadLines(jsonl))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var (text, spans) = Parse(line, $"{jsonl}:{lineNo}");
            batch.Add((lineNo, text, spans));
            if (batch.Count == 512)
            {
                Flush();
            }
        }
        Flush();
        progress.Done();
        writer.Complete();
        long total = counts.Sum();
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in ProvenanceInfo.TextKinds.Append(Provenance.Separator))
        {
            shares[p.Name()] = total > 0 ? Math.Round((double)counts[(int)p] / total, 6) : 0;
        }
        return new WebLabelStats(shares, total > 0 ? Math.Round((double)labeler.MixedTokens / total, 6) : 0);
    }

    private static (string Text, List<LabelSpan> Spans) Parse(string line, string where)
    {
        try
        {
            var o = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{where}: expected a JSON object");
            string text = o["text"] is JsonValue v && v.TryGetValue(out string? t) ? t : throw new SiftException($"{where}: missing string field \"text\"");
            var spans = new List<LabelSpan>();
            if (o["spans"] is not JsonArray arr)
            {
                throw new SiftException($"{where}: missing field \"spans\" (a list of [start, end, label])");
            }
            foreach (var s in arr)
            {
                if (s is not JsonArray { Count: 3 } a)
                {
                    throw new SiftException($"{where}: each span must be [start, end, label]");
                }
                spans.Add(new LabelSpan(a[0]!.GetValue<int>(), a[1]!.GetValue<int>(), (Provenance)a[2]!.GetValue<int>()));
            }
            return (text, spans);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new SiftException($"{where}: bad JSON: {ex.Message}");
        }
    }
}
