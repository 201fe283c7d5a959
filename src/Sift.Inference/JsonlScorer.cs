using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Core.IO;
using Sift.Core.Reporting;
using Sift.Engine.Ops;

namespace Sift.Inference;

/// <summary>
/// `sift score` over JSONL: each input line has "text" or "tokens"; each output line keeps the input's fields,
/// sets "tokens" and adds "losses" with losses[i] = −log p(tokens[i+1] | tokens[0..i]). Sequences longer than
/// the context are scored in consecutive windows of the context length (positions restart per window, as in
/// training), so the first target of each later window is predicted from the previous window.
/// </summary>
public sealed class JsonlScorer(IDecoderModel model, IProgressReporter? progress = null)
{
    private readonly IProgressReporter _progress = progress ?? NullProgress.Instance;

    /// <summary>Prepend the BOS id to text input (when the model has one).</summary>
    public bool AddBos { get; init; } = true;

    /// <summary>Scores every line; writes the output atomically. Returns (lines, tokens scored).</summary>
    public (long Lines, long Tokens) Run(string input, string output, CancellationToken cancel = default)
    {
        if (!File.Exists(input))
        {
            throw new SiftException($"{input}: input file not found");
        }
        int ctx = model.ContextLength;
        long totalLines = File.ReadLines(input).LongCount(l => !string.IsNullOrWhiteSpace(l));
        long lines = 0, scored = 0;
        using var session = model.OpenSession(1, ctx);
        var last = new float[model.VocabSize];
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
                var obj = ParseLine(input, lineNo, line);
                int[] tokens = Tokens(input, lineNo, obj);
                var losses = new float[Math.Max(0, tokens.Length - 1)];
                for (int start = 0; start < tokens.Length - 1; start += ctx)
                {
                    // Window covers inputs [start, start+ctx); its last row predicts the next window's first token.
                    int len = Math.Min(ctx, tokens.Length - start), at = start;
                    session.Reset(0);
                    session.Prefill(0, tokens.AsSpan(start, len), last, (j, row) =>
                    {
                        if (at + j < losses.Length)
                        {
                            losses[at + j] = RowLogSoftmax.Loss(row, tokens[at + j + 1]);
                        }
                    });
                }
                obj["tokens"] = new JsonArray(tokens.Select(t => (JsonNode)t).ToArray());
                obj["losses"] = new JsonArray(losses.Select(l => (JsonNode)MathF.Round(l, 6)).ToArray());
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

    private static JsonObject ParseLine(string file, int lineNo, string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{file}:{lineNo}: expected a JSON object with \"text\" or \"tokens\"");
        }
        catch (JsonException ex)
        {
            throw new SiftException($"{file}:{lineNo}: invalid JSON: {ex.Message}");
        }
    }

    private int[] Tokens(string file, int lineNo, JsonObject obj)
    {
        int vocab = model.VocabSize;
        if (obj["tokens"] is JsonArray arr)
        {
            var t = new int[arr.Count];
            for (int i = 0; i < arr.Count; i++)
            {
                if (arr[i] is not JsonValue v || !v.TryGetValue(out int id))
                {
                    throw new SiftException($"{file}:{lineNo}: tokens[{i}] is not an integer");
                }
                if ((uint)id >= (uint)vocab)
                {
                    throw new SiftException($"{file}:{lineNo}: token id {id} at tokens[{i}] is outside the vocabulary (0..{vocab - 1})");
                }
                t[i] = id;
            }
            if (t.Length == 0)
            {
                throw new SiftException($"{file}:{lineNo}: \"tokens\" is empty");
            }
            return t;
        }
        if (obj["text"] is JsonValue tv && tv.TryGetValue(out string? text))
        {
            var tok = model.RequireTokenizer($"{file}:{lineNo}: \"text\" input");
            var ids = tok.Encode(text);
            int[] t = AddBos && model.BosId is int bos ? [bos, .. ids] : ids;
            if (t.Length == 0)
            {
                throw new SiftException($"{file}:{lineNo}: \"text\" encodes to no tokens");
            }
            return t;
        }
        throw new SiftException($"{file}:{lineNo}: expected a \"text\" string or a \"tokens\" array of ids");
    }
}
