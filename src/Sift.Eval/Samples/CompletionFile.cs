using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Eval.Datasets;

namespace Sift.Eval.Samples;

/// <summary>A completion to (re-)grade, with what the file that held it already said about it.</summary>
/// <param name="Completion">The model's text after the prompt.</param>
/// <param name="ProgramResult">PAL's program result, when known.</param>
/// <param name="Score">A per-sample score for best-of-N (harness forks: <c>pred_score</c>).</param>
/// <param name="StoredCorrect">The verdict stored in the file (harness <c>score</c>), when there is one.</param>
/// <param name="StoredAnswer">The answer stored in the file (harness <c>pred</c>), when there is one.</param>
internal sealed record CompletionItem(string Completion, string? ProgramResult, double? Score, bool? StoredCorrect, string? StoredAnswer);

/// <summary>A problem with its completions, as read from a completions file.</summary>
internal sealed record CompletionProblem(int Idx, string Question, string Gold, string CompatGold, string? Subject, string? Level, IReadOnlyList<CompletionItem> Items);

/// <summary>
/// Reads completions made elsewhere: the harness's output JSONL (rows with <c>question</c>, <c>gt</c>,
/// <c>code</c> = list of completions, optionally <c>pred</c>, <c>score</c>, <c>pred_score</c>, as written by
/// ZubinGou/math-evaluation-harness, ToRA and Qwen2.5-Math) or Sift's own <c>samples.jsonl</c>.
/// </summary>
internal static class CompletionFile
{
    /// <summary>Reads the file; each line may be either layout. Problems come back in file order of first appearance.</summary>
    public static List<CompletionProblem> Read(string path, DatasetDefinition def, BadLinePolicy policy = BadLinePolicy.Abort, Action<string>? warn = null)
    {
        var report = new JsonlReport();
        var order = new List<int>();
        var harness = new Dictionary<int, CompletionProblem>();
        var sift = new Dictionary<int, List<SampleRecord>>();
        int position = 0;
        foreach (var (line, o) in JsonlReader.Read(path, policy, report, warn))
        {
            try
            {
                if (o.ContainsKey("code"))
                {
                    var p = FromHarnessRow(o, def, position);
                    // The harness de-duplicates rows by idx, keeping the last.
                    if (!harness.ContainsKey(p.Idx) && !sift.ContainsKey(p.Idx))
                    {
                        order.Add(p.Idx);
                    }
                    harness[p.Idx] = p;
                }
                else if (o.ContainsKey("completion") && o.ContainsKey("sample"))
                {
                    var r = SampleRecord.FromJson(o);
                    if (!sift.TryGetValue(r.Idx, out var list))
                    {
                        sift[r.Idx] = list = [];
                        if (!harness.ContainsKey(r.Idx))
                        {
                            order.Add(r.Idx);
                        }
                    }
                    list.Add(r);
                }
                else
                {
                    throw new SiftException("expected a harness row (\"code\": [completions]) or a Sift sample (\"sample\", \"completion\")");
                }
            }
            catch (Exception ex) when (ex is SiftException or InvalidOperationException or FormatException)
            {
                JsonlReader.Fail(path, line, ex.Message, policy, report, warn);
            }
            position++;
        }
        if (order.Count == 0)
        {
            throw new SiftException($"{path}: no completions found");
        }
        return order.Select(idx => harness.TryGetValue(idx, out var h) ? h : FromSamples(sift[idx])).ToList();
    }

    /// <summary>Groups Sift sample records by problem (samples in order; the first record of each sample number wins).</summary>
    public static CompletionProblem FromSamples(IReadOnlyList<SampleRecord> records)
    {
        var rs = records.GroupBy(r => r.Sample).Select(g => g.First()).OrderBy(r => r.Sample).ToList();
        var first = rs[0];
        return new CompletionProblem(first.Idx, first.Question, first.Gold, first.GoldCompat, first.Subject, first.Level,
            rs.Select(r => new CompletionItem(r.Completion, r.ProgramResult, r.Score, null, null)).ToList());
    }

    private static CompletionProblem FromHarnessRow(JsonObject o, DatasetDefinition def, int position)
    {
        int idx = o["idx"] is JsonValue iv && iv.TryGetValue(out int i) ? i : position;
        if (o["code"] is not JsonArray codes || codes.Count == 0)
        {
            throw new SiftException("\"code\" must be a non-empty list of completions");
        }
        var completions = codes.Select((c, k) => c is JsonValue v && v.TryGetValue(out string? s) ? s : throw new SiftException($"code[{k}] is not a string")).ToList();
        var preds = o["pred"] as JsonArray;
        var scores = o["score"] as JsonArray;
        var rm = o["pred_score"] as JsonArray;
        var items = completions.Select((c, k) => new CompletionItem(c, null,
            rm is not null && k < rm.Count ? ScoreOf(rm[k], k) : null,
            scores is not null && k < scores.Count && scores[k] is JsonValue sv && sv.TryGetValue(out bool ok) ? ok : null,
            preds is not null && k < preds.Count && preds[k] is not null ? Py.Str(preds[k]) : null)).ToList();

        string? gt = o["gt"] is { } g ? Py.Str(g) : null;
        string? gtCot = o["gt_cot"] is JsonValue gc && gc.TryGetValue(out string? cot) ? cot : null;
        // compat gold: what the harness's evaluate() compares graded rows against.
        string compat = gt is not null && o.ContainsKey("gt_cot")
            ? def.CompatGoldFromCot && gtCot is not null ? RecordFields.ZgBoxed(gtCot, 0) : RecordFields.Strip(gt, 1)
            : def.CompatGold(o);
        // strict gold: the dataset's own answer when the row kept the fields it comes from, else the harness's gt.
        string gold;
        try
        {
            gold = def.Gold(o);
        }
        catch (SiftException) when (gt is not null)
        {
            gold = gt;
        }
        string question = o["question"] is JsonValue qv && qv.TryGetValue(out string? q) ? q : "";
        return new CompletionProblem(idx, question, gold, compat, SafeField(def.Subject, o), SafeField(def.Level, o), items);
    }

    private static string? SafeField(Func<JsonObject, string?>? f, JsonObject o)
    {
        try
        {
            return f?.Invoke(o);
        }
        catch (SiftException)
        {
            return null;
        }
    }

    private static double? ScoreOf(JsonNode? n, int k) => n switch
    {
        JsonValue v when v.TryGetValue(out double d) => d,
        // Qwen's reward scores are lists with one value per sample: [[3.5], [3.4], ...].
        JsonArray { Count: > 0 } a when a[0] is JsonValue v && v.TryGetValue(out double d) => d,
        null => null,
        _ => throw new SiftException($"pred_score[{k}] is not a number or [number]"),
    };
}
