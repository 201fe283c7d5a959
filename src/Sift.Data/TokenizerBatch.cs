using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core.IO;
using Sift.Text;

namespace Sift.Data;

/// <summary>Counts from a batch run: lines written and lines that were bad (each reported as file:line).</summary>
public sealed record TokenizerBatchResult(long Lines, long Bad);

/// <summary>
/// <c>sift tokenizer encode|decode --input --output</c>: streams JSONL, adding <c>"ids"</c> to lines with <c>"text"</c>
/// (no special tokens unless asked; then BOS/EOS exactly where the tokenizer's post-processor puts them) or
/// <c>"text"</c> to lines with <c>"ids"</c> (the Hugging Face decoder's output). Output line i is input line i with
/// its other fields kept; a bad line becomes <c>{"line": i, "error": "..."}</c> so lines stay aligned, and is reported.
/// </summary>
public static class TokenizerBatch
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Encodes every line's "text".</summary>
    public static TokenizerBatchResult Encode(HfTokenizer tok, string input, string output, bool addSpecialTokens, Action<string>? bad = null) =>
        Run(input, output, bad, o =>
        {
            if (!o.TryGetPropertyValue("text", out var t) || t is not JsonValue v || !v.TryGetValue(out string? text))
            {
                throw new FormatException(o.ContainsKey("text") ? "\"text\" must be a string" : "missing field \"text\"");
            }
            var ids = new List<int>(text.Length / 3 + 2);
            if (addSpecialTokens && tok.AddsBos && tok.BosId is int bos)
            {
                ids.Add(bos);
            }
            tok.EncodeTo(text, ids);
            if (addSpecialTokens && tok.AddsEos && tok.EosId is int eos)
            {
                ids.Add(eos);
            }
            o["ids"] = new JsonArray([.. ids.Select(i => (JsonNode)i)]);
        });

    /// <summary>Decodes every line's "ids".</summary>
    public static TokenizerBatchResult Decode(HfTokenizer tok, string input, string output, Action<string>? bad = null) =>
        Run(input, output, bad, o =>
        {
            if (!o.TryGetPropertyValue("ids", out var node) || node is not JsonArray arr)
            {
                throw new FormatException(o.ContainsKey("ids") ? "\"ids\" must be an array of token ids" : "missing field \"ids\"");
            }
            int[] ids = new int[arr.Count];
            for (int i = 0; i < ids.Length; i++)
            {
                if (arr[i] is not JsonValue iv || !iv.TryGetValue(out int id))
                {
                    throw new FormatException($"\"ids\"[{i}] is not an integer");
                }
                if ((uint)id >= (uint)tok.VocabSize)
                {
                    throw new FormatException($"\"ids\"[{i}] = {id} is outside the vocabulary (0..{tok.VocabSize - 1})");
                }
                ids[i] = id;
            }
            o["text"] = tok.Decode(ids);
        });

    private static TokenizerBatchResult Run(string input, string output, Action<string>? bad, Action<JsonObject> transform)
    {
        if (!File.Exists(input))
        {
            throw new Sift.Core.SiftException($"{input}: file not found");
        }
        long lines = 0, errors = 0;
        AtomicFile.Write(output, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            long n = 0;
            foreach (string line in File.ReadLines(input))
            {
                n++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                JsonObject result;
                try
                {
                    var o = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("expected a JSON object");
                    transform(o);
                    result = o;
                }
                catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
                {
                    string why = ex is JsonException ? "invalid JSON: " + ex.Message : ex.Message;
                    bad?.Invoke($"{input}:{n}: {why}");
                    errors++;
                    result = new JsonObject { ["line"] = n, ["error"] = why };
                }
                writer.Write(result.ToJsonString(Compact));
                writer.Write('\n');
                lines++;
            }
        });
        return new TokenizerBatchResult(lines, errors);
    }
}
