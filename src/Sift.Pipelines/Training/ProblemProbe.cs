using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sift.Core;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Pipelines.Training.Metrics;
using Sift.Text;

namespace Sift.Pipelines.Training;

/// <summary>A held-out word problem with its worked solution (GSM8K layout: the solution ends in "#### answer").</summary>
internal sealed record HeldOutProblem(string Question, string Solution, string Answer, string Tier);

/// <summary>Settings of <see cref="ProblemProbe"/>.</summary>
/// <param name="AccuracyProblems">Problems decoded for accuracy, taken round-robin over tiers (0 = all); losses always use all.</param>
/// <param name="MaxNewTokens">Completion budget per problem; 0 = automatic (1.25 × the reference solution's tokens + 16).</param>
/// <param name="Batch">Completions decoded together.</param>
/// <param name="FinalAccuracyProblems">Problems decoded at the final evaluation (0 = as <paramref name="AccuracyProblems"/>): a cheap
/// curve during training and a tight final figure.</param>
internal sealed record ProblemProbeOptions(int AccuracyProblems = 0, int MaxNewTokens = 0, int Batch = 32, int FinalAccuracyProblems = 0);

/// <summary>One decoded problem of the last evaluation.</summary>
/// <param name="Index">Index in the problem list.</param>
/// <param name="Completion">The generated solution text.</param>
/// <param name="Predicted">The number after "####", or null.</param>
/// <param name="Correct">Whether it equals the reference answer.</param>
internal sealed record ProbeCompletion(int Index, string Completion, string? Predicted, bool Correct);

/// <summary>
/// Judges a model on held-out problems, as the demo's students are judged. Each problem is the document
/// [BOS/EOS] question "\n" solution [EOS], exactly as packed training data lays documents out.
/// <list type="bullet">
/// <item><c>clean_loss</c>: mean per-token loss over every predicted token of those documents (the final EOS included).</item>
/// <item><c>answer_loss</c>: mean loss of the answer tokens, those holding characters after "####" (EOS excluded).</item>
/// <item><c>accuracy</c>: greedy decoding from [BOS/EOS] question "\n"; correct when the first number after "####"
/// equals the reference answer (exact decimal comparison; "$", thousands commas and a trailing period are ignored).</item>
/// </list>
/// Every figure is also reported per difficulty tier (<c>tiers</c>), and <c>accuracy_problems</c> says how many were decoded.
/// </summary>
internal sealed partial class ProblemProbe : IEvalProbe
{
    private readonly IReadOnlyList<HeldOutProblem> _problems;
    private readonly ITokenizer _tok;
    private readonly ProblemProbeOptions _o;
    private readonly int[][] _docs;
    private readonly int[] _answerFrom;
    private readonly int[][] _prompts;
    private readonly int[] _budget;
    private readonly int[] _decodeOrder;
    private readonly int[] _finalDecodeOrder;
    private readonly string[] _tiers;

    /// <summary>Tokenises the problems once.</summary>
    public ProblemProbe(IReadOnlyList<HeldOutProblem> problems, ITokenizer tokenizer, ProblemProbeOptions? options = null)
    {
        if (problems.Count == 0)
        {
            throw new SiftException("the evaluation set has no problems");
        }
        _problems = problems;
        _tok = tokenizer;
        _o = options ?? new ProblemProbeOptions();
        if (_o.AccuracyProblems < 0 || _o.MaxNewTokens < 0 || _o.Batch < 1 || _o.FinalAccuracyProblems < 0)
        {
            throw new SiftException($"eval: accuracy_problems and max_new_tokens must be ≥ 0 and the batch ≥ 1, got {_o}");
        }
        int? sep = tokenizer.BosId ?? tokenizer.EosId;
        _docs = new int[problems.Count][];
        _answerFrom = new int[problems.Count];
        _prompts = new int[problems.Count][];
        _budget = new int[problems.Count];
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            int[] q = tokenizer.Encode(p.Question + "\n");
            int[] body = tokenizer.Encode(p.Question + "\n" + p.Solution);
            int lead = sep is null ? 0 : 1;
            _docs[i] = [.. (sep is int s ? new[] { s } : []), .. body, .. (tokenizer.EosId is int e ? new[] { e } : [])];
            _answerFrom[i] = lead + AnswerTokenStart(tokenizer, p.Question + "\n" + p.Solution, body);
            _prompts[i] = [.. (sep is int s2 ? new[] { s2 } : []), .. q];
            int solutionTokens = Math.Max(1, body.Length - q.Length);
            _budget[i] = _o.MaxNewTokens > 0 ? _o.MaxNewTokens : solutionTokens + solutionTokens / 4 + 16;
        }
        _tiers = problems.Select(p => p.Tier).Distinct().Order(StringComparer.Ordinal).ToArray();
        // Round-robin over tiers, so any prefix of the decode order is balanced across tiers.
        var queues = _tiers.Select(t => new Queue<int>(Enumerable.Range(0, problems.Count).Where(i => problems[i].Tier == t))).ToList();
        var order = new List<int>(problems.Count);
        while (queues.Any(q => q.Count > 0))
        {
            foreach (var q in queues.Where(q => q.Count > 0))
            {
                order.Add(q.Dequeue());
            }
        }
        int n = _o.AccuracyProblems == 0 ? problems.Count : Math.Min(_o.AccuracyProblems, problems.Count);
        _decodeOrder = [.. order.Take(n)];
        int nFinal = _o.FinalAccuracyProblems == 0 ? n : Math.Min(_o.FinalAccuracyProblems, problems.Count);
        _finalDecodeOrder = [.. order.Take(nFinal)];
    }

    /// <summary>Problems decoded for accuracy.</summary>
    public int AccuracyProblems => _decodeOrder.Length;

    /// <summary>The completions of the last <see cref="Evaluate"/> (in decode order).</summary>
    public IReadOnlyList<ProbeCompletion> LastCompletions { get; private set; } = [];

    /// <summary>The completions of the last evaluation as JSONL (tier, question, gold answer, completion, predicted, correct).</summary>
    public void WriteCompletions(string path)
    {
        var sb = new StringBuilder();
        foreach (var c in LastCompletions)
        {
            var p = _problems[c.Index];
            sb.AppendLine(new JsonObject
            {
                ["index"] = c.Index,
                ["tier"] = p.Tier,
                ["question"] = p.Question,
                ["answer"] = p.Answer,
                ["completion"] = c.Completion,
                ["predicted"] = c.Predicted,
                ["correct"] = c.Correct,
            }.ToJsonString());
        }
        Sift.Core.IO.AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>Reads held-out problems from JSONL ({question, solution, answer, tier}); errors name the line.</summary>
    public static List<HeldOutProblem> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new SiftException($"{path}: evaluation problems file not found (make one with `sift data synth`)");
        }
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
                string tier = o["tier"] is null ? "all" : S("tier");
                list.Add(new HeldOutProblem(S("question"), S("solution"), S("answer"), tier));
            }
            catch (JsonException ex)
            {
                throw new SiftException($"{path}:{n}: invalid JSON: {ex.Message}");
            }
        }
        if (list.Count == 0)
        {
            throw new SiftException($"{path}: no problems");
        }
        return list;
    }

    /// <inheritdoc />
    public ProbeResult Evaluate(LlamaModel model, Compute compute, bool final = false)
    {
        int[] decodeOrder = final ? _finalDecodeOrder : _decodeOrder;
        int ctx = model.Config.MaxPositionEmbeddings;
        int T = _tiers.Length;
        var clean = new (double Sum, long N)[T];
        var answer = new (double Sum, long N)[T];
        int TierOf(int i) => Array.IndexOf(_tiers, _problems[i].Tier);

        using (var session = new InferenceSession(model, 1, ctx, compute))
        {
            var last = new float[model.Config.VocabSize];
            var losses = new float[ctx];
            for (int i = 0; i < _docs.Length; i++)
            {
                int[] doc = _docs[i].Length > ctx ? _docs[i][..ctx] : _docs[i];
                session.Reset(0);
                session.Prefill(0, doc, last, losses);
                int t = TierOf(i);
                bool eosAtEnd = _tok.EosId is int e && doc.Length == _docs[i].Length && doc[^1] == e;
                for (int j = 1; j < doc.Length; j++)
                {
                    double l = losses[j - 1]; // the loss of token j
                    clean[t] = (clean[t].Sum + l, clean[t].N + 1);
                    if (j >= _answerFrom[i] && !(eosAtEnd && j == doc.Length - 1))
                    {
                        answer[t] = (answer[t].Sum + l, answer[t].N + 1);
                    }
                }
            }
        }

        var right = new int[T];
        var decoded = new int[T];
        var completions = new List<ProbeCompletion>(decodeOrder.Length);
        if (decodeOrder.Length > 0)
        {
            int[] stop = _tok.EosId is int eos ? [eos] : [];
            // A prompt that does not fit the context leaves no room to answer: it is decoded with a budget of 0 (wrong).
            var requests = decodeOrder.Select(i =>
            {
                int[] prompt = _prompts[i].Length < ctx ? _prompts[i] : _prompts[i][..(ctx - 1)];
                return new GenerationRequest(prompt, Math.Max(0, Math.Min(_budget[i], ctx - prompt.Length)), new SamplingOptions(), (ulong)i, stop);
            }).ToList();
            var text = new StringBuilder[requests.Count];
            var seen = new int[requests.Count];
            using var gen = new Generator(model, compute, maxBatch: _o.Batch, maxLength: ctx);
            var results = gen.Generate(requests, (r, toks) =>
            {
                // Decode only the new tokens; stop once the "####" line is complete.
                var sb = text[r] ??= new StringBuilder();
                for (; seen[r] < toks.Count; seen[r]++)
                {
                    sb.Append(_tok.Decode([toks[seen[r]]]));
                }
                return AnswerLineDone(sb);
            });
            for (int r = 0; r < results.Length; r++)
            {
                int i = decodeOrder[r];
                string completion = _tok.Decode(results[r].Tokens);
                string? predicted = ExtractAnswer(completion);
                bool ok = AnswerMatches(predicted, _problems[i].Answer);
                int t = TierOf(i);
                decoded[t]++;
                right[t] += ok ? 1 : 0;
                completions.Add(new ProbeCompletion(i, completion, predicted, ok));
            }
        }
        LastCompletions = completions;

        static double? Mean((double Sum, long N) a) => a.N > 0 ? Math.Round(a.Sum / a.N, 6) : null;
        static (double, long) Total((double Sum, long N)[] xs) => (xs.Sum(x => x.Sum), xs.Sum(x => x.N));
        int allRight = right.Sum(), allDecoded = decoded.Sum();
        var byTier = new Dictionary<string, TierEval>(StringComparer.Ordinal);
        for (int t = 0; t < T; t++)
        {
            byTier[_tiers[t]] = new TierEval
            {
                CleanLoss = Mean(clean[t]),
                AnswerLoss = Mean(answer[t]),
                Accuracy = decoded[t] > 0 ? Math.Round((double)right[t] / decoded[t], 6) : null,
                AccuracyProblems = decoded[t],
            };
        }
        return new ProbeResult(Mean(Total(clean)), Mean(Total(answer)), allDecoded > 0 ? Math.Round((double)allRight / allDecoded, 6) : null, allDecoded, byTier);
    }

    /// <summary>True once the text has a "####" followed by a line break.</summary>
    internal static bool AnswerLineDone(StringBuilder sb)
    {
        string s = sb.ToString();
        int h = s.IndexOf("####", StringComparison.Ordinal);
        return h >= 0 && s.IndexOf('\n', h) >= 0;
    }

    /// <summary>The index of the first token holding a character after the first "####" (the body's length when there is none).</summary>
    internal static int AnswerTokenStart(ITokenizer tok, string text, int[] ids)
    {
        int hash = text.IndexOf("####", StringComparison.Ordinal);
        if (hash < 0)
        {
            return ids.Length;
        }
        int from = hash + 4, pos = 0;
        var sb = new StringBuilder();
        for (int i = 0; i < ids.Length; i++)
        {
            string piece = tok.Decode([ids[i]]);
            sb.Append(piece);
            pos += piece.Length;
            if (pos > from)
            {
                // Pieces decode one by one exactly for byte-level tokenizers on ASCII; otherwise fall back to a prefix encode.
                return sb.ToString() == text[..pos] ? i : PrefixStart(tok, text, from, ids);
            }
        }
        return ids.Length;
    }

    private static int PrefixStart(ITokenizer tok, string text, int from, int[] ids)
    {
        int[] prefix = tok.Encode(text[..from]);
        return ids.AsSpan().StartsWith(prefix) ? prefix.Length : ids.Length;
    }

    [GeneratedRegex(@"-?\$?\s*\d[\d,]*(?:\.\d+)?")]
    private static partial Regex NumberPattern();

    /// <summary>The first number after the first "####" on its line (null when there is none).</summary>
    public static string? ExtractAnswer(string completion)
    {
        int h = completion.IndexOf("####", StringComparison.Ordinal);
        if (h < 0)
        {
            return null;
        }
        string rest = completion[(h + 4)..];
        int nl = rest.IndexOf('\n', StringComparison.Ordinal);
        var m = NumberPattern().Match(nl >= 0 ? rest[..nl] : rest);
        return m.Success ? m.Value.Replace(" ", "", StringComparison.Ordinal) : null;
    }

    /// <summary>Exact numeric match ("$", spaces, thousands commas and a trailing period ignored; 7.5 == 7.50).</summary>
    public static bool AnswerMatches(string? predicted, string gold)
    {
        if (predicted is null)
        {
            return false;
        }
        static string Clean(string s) => s.Replace(",", "", StringComparison.Ordinal).Replace("$", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).Trim().TrimEnd('.');
        string p = Clean(predicted), g = Clean(gold);
        if (decimal.TryParse(p, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal a)
            && decimal.TryParse(g, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal b))
        {
            return a == b;
        }
        return p.Length > 0 && p == g;
    }
}
