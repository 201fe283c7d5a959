using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Engine.Ops;

namespace Sift.LlamaCpp.Backend;

/// <summary>
/// `sift score --backend llamacpp` over JSONL, with the local scorer's format and windowing: each line has "text" or
/// "tokens"; the output line keeps its fields, sets "tokens" and adds "losses" (losses[i] = −log p(tokens[i+1] |
/// tokens[0..i])); sequences longer than the context are scored in consecutive windows of the context length.
/// </summary>
public sealed class LlamaCppJsonlScorer(LlamaCppModel model, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Prepend the BOS id to text input (when the GGUF names one).</summary>
    public bool AddBos { get; init; } = true;

    /// <summary>Scores every line; writes the output atomically. Returns (lines, tokens scored).</summary>
    public (long Lines, long Tokens) Run(string input, string output, CancellationToken cancel = default)
    {
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: input file not found");
        }
        int ctx = model.ContextSize, v = model.VocabSize;
        long totalLines = File.ReadLines(input).LongCount(l => !string.IsNullOrWhiteSpace(l));
        long lines = 0, scored = 0;
        AtomicFile.Write(output, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            int lineNo = 0;
            foreach (string line in File.ReadLines(input))
            {
                lineNo++;
                cancel.ThrowIfCancellationRequested();
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                JsonObject obj;
                try
                {
                    obj = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{input}:{lineNo}: expected a JSON object with \"text\" or \"tokens\"");
                }
                catch (JsonException ex)
                {
                    throw new SiftException($"{input}:{lineNo}: invalid JSON: {ex.Message}");
                }
                int[] tokens = Tokens(input, lineNo, obj);
                var losses = new float[Math.Max(0, tokens.Length - 1)];
                for (int start = 0; start < tokens.Length - 1; start += ctx)
                {
                    // Window covers inputs [start, start+ctx); its last row predicts the next window's first token.
                    int len = Math.Min(ctx, tokens.Length - start);
                    float[] logits = model.Logits(tokens.AsSpan(start, len));
                    for (int j = 0; j < len && start + j < losses.Length; j++)
                    {
                        losses[start + j] = RowLogSoftmax.Loss(logits.AsSpan(j * v, v), tokens[start + j + 1]);
                    }
                }
                obj["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)t)]);
                obj["losses"] = new JsonArray([.. losses.Select(l => (JsonNode)MathF.Round(l, 6))]);
                w.Write(obj.ToJsonString());
                w.Write('\n');
                lines++;
                scored += losses.Length;
                _progress.Report("score", lines, totalLines, $"{scored:N0} tokens");
            }
        });
        _progress.Done();
        return (lines, scored);
    }

    private int[] Tokens(string file, int lineNo, JsonObject obj)
    {
        if (obj["tokens"] is JsonArray arr)
        {
            var t = new int[arr.Count];
            for (int i = 0; i < arr.Count; i++)
            {
                if (arr[i] is not JsonValue jv || !jv.TryGetValue(out int id))
                {
                    throw new SiftException($"{file}:{lineNo}: tokens[{i}] is not an integer");
                }
                if ((uint)id >= (uint)model.VocabSize)
                {
                    throw new SiftException($"{file}:{lineNo}: token id {id} at tokens[{i}] is outside the vocabulary (0..{model.VocabSize - 1})");
                }
                t[i] = id;
            }
            return t.Length > 0 ? t : throw new SiftException($"{file}:{lineNo}: \"tokens\" is empty");
        }
        if (obj["text"] is JsonValue tv && tv.TryGetValue(out string? text))
        {
            var ids = model.Tokenize(text);
            int[] t = AddBos && model.BosId is int bos ? [bos, .. ids] : ids;
            return t.Length > 0 ? t : throw new SiftException($"{file}:{lineNo}: \"text\" encodes to no tokens");
        }
        throw new SiftException($"{file}:{lineNo}: expected a \"text\" string or a \"tokens\" array of ids");
    }
}
