using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Text;

namespace Sift.Pipelines.Training;

/// <summary>A held-out word problem with its worked solution (GSM8K layout: the solution ends in "#### answer").</summary>
public sealed record HeldOutProblem(string Question, string Solution, string Answer, string Tier);

/// <summary>
/// Evaluates on held-out problems, as the demo's students are judged:
/// <c>clean_loss</c> (mean per-token loss on "question\nsolution"), <c>answer_loss</c> (on the tokens after
/// "####"), and <c>accuracy</c> (greedy decoding from "question\n", exact numeric match of the "####" answer),
/// overall and per difficulty tier. Documents are preceded by the EOS/BOS separator, as in packed training data.
/// </summary>
public sealed class ProblemProbe : IEvalProbe
{
    private readonly IReadOnlyList<HeldOutProblem> _problems;
    private readonly ITokenizer _tok;
    private readonly int? _sep;
    private readonly int[][] _docs;
    private readonly int[] _answerStart;
    private readonly int[][] _prompts;

    /// <summary>Prepares token ids once.</summary>
    public ProblemProbe(IReadOnlyList<HeldOutProblem> problems, ITokenizer tokenizer, int maxNewTokens = 96, int accuracyProblems = int.MaxValue)
    {
        if (problems.Count == 0)
        {
            throw new SiftException("the evaluation set has no problems");
        }
        _problems = problems;
        _tok = tokenizer;
        _sep = tokenizer.BosId ?? tokenizer.EosId;
        MaxNewTokens = maxNewTokens;
        AccuracyProblems = Math.Min(accuracyProblems, problems.Count);
        _docs = new int[problems.Count][];
        _answerStart = new int[problems.Count];
        _prompts = new int[problems.Count][];
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            string text = p.Question + "\n" + p.Solution;
            int[] body = tokenizer.Encode(text);
            _docs[i] = _sep is int s ? [s, .. body] : body;
            int hash = text.LastIndexOf("####", StringComparison.Ordinal);
            int[] prefix = hash >= 0 ? tokenizer.Encode(text[..(hash + 4)]) : body;
            _answerStart[i] = (_sep is null ? 0 : 1) + (body.AsSpan().StartsWith(prefix) ? prefix.Length : body.Length);
            int[] q = tokenizer.Encode(p.Question + "\n");
            _prompts[i] = _sep is int s2 ? [s2, .. q] : q;
        }
    }

    /// <summary>Longest generated solution.</summary>
    public int MaxNewTokens { get; }

    /// <summary>Problems decoded for accuracy (losses use all of them).</summary>
    public int AccuracyProblems { get; }

    /// <summary>Reads held-out problems from JSONL ({question, solution, answer, tier}); errors name the line.</summary>
    public static List<HeldOutProblem> Load(string path)
    {
        var list = new List<HeldOutProblem>();
        int n = 0;
        foreach (string line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                var o = JsonNode.Parse(line) as JsonObject ?? throw new SiftException($"{path}:{n}: expected a JSON object");
                string S(string f) => o[f] is JsonValue v && v.TryGetValue(out string? s) ? s : throw new SiftException($"{path}:{n}: missing string field \"{f}\"");
                list.Add(new HeldOutProblem(S("question"), S("solution"), S("answer"), o["tier"]?.GetValue<string>() ?? "all"));
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{n}: invalid JSON: {ex.Message}");
            }
        }
        return list;
    }

    /// <inheritdoc />
    public void Evaluate(LlamaModel model, Compute compute, JsonObject record)
    {
        int ctx = model.Config.MaxPositionEmbeddings;
        int vocab = model.Config.VocabSize;
        var tiers = _problems.Select(p => p.Tier).Distinct().OrderBy(t => t, StringComparer.Ordinal).ToList();
        double cleanSum = 0, ansSum = 0;
        long cleanN = 0, ansN = 0;
        var tierLoss = tiers.ToDictionary(t => t, _ => (Sum: 0.0, N: 0L));
        using (var session = new InferenceSession(model, 1, ctx, compute))
        {
            var last = new float[vocab];
            for (int i = 0; i < _docs.Length; i++)
            {
                int[] doc = _docs[i].Length > ctx ? _docs[i][..ctx] : _docs[i];
                var losses = new float[doc.Length];
                session.Reset(0);
                session.Prefill(0, doc, last, losses);
                for (int j = 0; j < doc.Length - 1; j++)
                {
                    cleanSum += losses[j];
                    cleanN++;
                    // losses[j] scores token j+1; answer tokens start at _answerStart.
                    if (j + 1 >= _answerStart[i])
                    {
                        ansSum += losses[j];
                        ansN++;
                    }
                }
                var tl = tierLoss[_problems[i].Tier];
                tierLoss[_problems[i].Tier] = (tl.Sum + losses.AsSpan(0, doc.Length - 1).ToArray().Sum(x => (double)x), tl.N + doc.Length - 1);
            }
        }
        record["clean_loss"] = Math.Round(cleanSum / Math.Max(1, cleanN), 6);
        record["answer_loss"] = Math.Round(ansSum / Math.Max(1, ansN), 6);

        var requests = new List<GenerationRequest>();
        int[] stop = _tok.EosId is int eos ? [eos] : [];
        for (int i = 0; i < AccuracyProblems; i++)
        {
            int room = Math.Max(0, Math.Min(MaxNewTokens, ctx - _prompts[i].Length));
            requests.Add(new GenerationRequest(_prompts[i], room, new SamplingOptions(), (ulong)i, stop));
        }
        var correct = tiers.ToDictionary(t => t, _ => (Right: 0, N: 0));
        using (var gen = new Generator(model, compute, maxBatch: 16, maxLength: ctx))
        {
            var results = gen.Generate(requests, (i, toks) => toks.Count >= 2 && _tok.Decode(toks.ToArray().AsSpan(Math.Max(0, toks.Count - 8))).Contains('\n', StringComparison.Ordinal)
                && _tok.Decode(toks.ToArray()).Contains("####", StringComparison.Ordinal) && EndsAnswerLine(_tok.Decode(toks.ToArray())));
            for (int i = 0; i < results.Length; i++)
            {
                string text = _tok.Decode(results[i].Tokens);
                bool ok = AnswerMatches(ExtractAnswer(text), _problems[i].Answer);
                var c = correct[_problems[i].Tier];
                correct[_problems[i].Tier] = (c.Right + (ok ? 1 : 0), c.N + 1);
            }
        }
        int right = correct.Values.Sum(c => c.Right), total = correct.Values.Sum(c => c.N);
        record["accuracy"] = Math.Round((double)right / Math.Max(1, total), 6);
        var byTier = new JsonObject();
        foreach (string t in tiers)
        {
            byTier[t] = new JsonObject
            {
                ["accuracy"] = correct[t].N > 0 ? Math.Round((double)correct[t].Right / correct[t].N, 6) : null,
                ["clean_loss"] = Math.Round(tierLoss[t].Sum / Math.Max(1, tierLoss[t].N), 6),
                ["problems"] = correct[t].N,
            };
        }
        record["tiers"] = byTier;
    }

    private static bool EndsAnswerLine(string text)
    {
        int h = text.LastIndexOf("####", StringComparison.Ordinal);
        return h >= 0 && text.IndexOf('\n', h) >= 0;
    }

    /// <summary>The text after the last "####" up to the end of its line, trimmed.</summary>
    public static string? ExtractAnswer(string completion)
    {
        int h = completion.LastIndexOf("####", StringComparison.Ordinal);
        if (h < 0)
        {
            return null;
        }
        string rest = completion[(h + 4)..];
        int nl = rest.IndexOf('\n', StringComparison.Ordinal);
        return (nl >= 0 ? rest[..nl] : rest).Trim();
    }

    /// <summary>Exact numeric match (commas and a trailing period ignored; 5 == 5.0).</summary>
    public static bool AnswerMatches(string? predicted, string gold)
    {
        if (predicted is null)
        {
            return false;
        }
        static string Clean(string s) => s.Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal).Trim().TrimEnd('.');
        string p = Clean(predicted), g = Clean(gold);
        if (decimal.TryParse(p, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal a)
            && decimal.TryParse(g, NumberStyles.Number, CultureInfo.InvariantCulture, out decimal b))
        {
            return a == b;
        }
        return p == g;
    }
}
