using Sift.Eval.Grading;

namespace Sift.Curation.Agents;

/// <summary>A seed problem read from the input.</summary>
internal sealed record SeedProblem(string Id, int Line, string Question, string? Answer);

/// <summary>What one seed gave: candidate items (ids fixed at commit, after deduplication) and counted rejections with examples.</summary>
internal sealed class SeedWork(SeedProblem seed)
{
    public SeedProblem Seed { get; } = seed;

    public List<AgentItem> Items { get; } = [];

    public Dictionary<string, int> Rejected { get; } = [];

    public List<string> Examples { get; } = [];

    /// <summary>Counts a rejection; the first few say which seed, step and why.</summary>
    public void Reject(string reason, string step, string detail)
    {
        Rejected[reason] = Rejected.GetValueOrDefault(reason) + 1;
        if (Examples.Count < 3)
        {
            Examples.Add($"seed {Seed.Id} (line {Seed.Line}), {step}: {reason}: {detail}");
        }
    }
}

/// <summary>
/// The three agents over one seed. Each request is one user turn (<see cref="AgentCall"/>); replies that are not what
/// was asked for are rejected and counted, never repaired by guessing. Solutions pass Orca-Math's length filter and
/// must have a final answer Sift's extractor finds; Ask-Me-Anything's solver must reach the number the problem was
/// written for (strict grading).
/// </summary>
internal sealed class AgentWorkers(AgentCall call, AgentOptions options)
{
    private readonly SampleGrader _grader = new(multipleChoice: false);

    public Task RunAsync(SeedWork w, CancellationToken ct) => options.Agent switch
    {
        AgentKind.AskMeAnything => AskMeAnythingAsync(w, ct),
        AgentKind.SuggesterEditor => SuggesterEditorAsync(w, ct),
        AgentKind.Augment => AugmentAsync(w, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(options)),
    };

    private async Task AskMeAnythingAsync(SeedWork w, CancellationToken ct)
    {
        var s = w.Seed;
        var r = await call.AskAsync(AgentPrompts.AskMeAnything(s.Question, s.Answer!), s.Id, "ama", ct).ConfigureAwait(false);
        if (r.Truncated)
        {
            w.Reject(AgentReject.Truncated, "ask-me-anything", $"the reply hit --max-tokens {options.MaxTokens}");
            return;
        }
        if (AgentReply.Object(r.Text, out string? why) is not { } o)
        {
            w.Reject(AgentReject.InvalidJson, "ask-me-anything", why!);
            return;
        }
        string? statement = AgentReply.Text(o, "statement");
        if (statement is null || !o.TryGetProperty("problems", out var problems) || problems.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            w.Reject(AgentReject.InvalidJson, "ask-me-anything", statement is null ? "field \"statement\" missing or empty" : "field \"problems\" missing or not an array");
            return;
        }
        var stated = AgentReply.Numbers(statement).ToHashSet();
        int j = 0;
        foreach (var p in problems.EnumerateArray())
        {
            string step = $"ask-me-anything problem {j}";
            string? q = p.ValueKind == System.Text.Json.JsonValueKind.Object ? AgentReply.Text(p, "question") : null;
            string? a = p.ValueKind == System.Text.Json.JsonValueKind.Object ? AgentReply.Text(p, "answer") : null;
            j++;
            if (q is null)
            {
                w.Reject(AgentReject.MissingQuestion, step, "field \"question\" missing or empty");
                continue;
            }
            if (a is null)
            {
                w.Reject(AgentReject.MissingAnswer, step, "field \"answer\" missing or empty");
                continue;
            }
            if (AgentReply.Numbers(a) is not [decimal value])
            {
                w.Reject(AgentReject.AnswerNotANumber, step, $"answer \"{Short(a)}\" is not one number");
                continue;
            }
            if (!stated.Contains(value))
            {
                w.Reject(AgentReject.AnswerNotInStatement, step, $"answer {value} is not a number of the statement");
                continue;
            }
            string plain = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!options.Solve)
            {
                w.Items.Add(Item(s, q, plain, plain, r, AgentKind.AskMeAnything, null, 1));
                continue;
            }
            var sol = await SolveAsync(w, q, $"ama{j - 1}", step, ct).ConfigureAwait(false);
            if (sol is null)
            {
                continue;
            }
            var verdict = _grader.Strict(plain, sol.Value.Text, null, ct);
            if (!verdict.Correct)
            {
                w.Reject(AgentReject.SolverDisagrees, step, $"the solver answered \"{Short(verdict.Answer)}\", the problem was written for {plain}");
                continue;
            }
            w.Items.Add(Item(s, q, sol.Value.Text, verdict.Answer, r, AgentKind.AskMeAnything, null, 1));
        }
    }

    private async Task SuggesterEditorAsync(SeedWork w, CancellationToken ct)
    {
        var s = w.Seed;
        string question = s.Question;
        for (int round = 1; round <= options.Rounds; round++)
        {
            string step = $"suggester-editor round {round}";
            var sug = await call.AskAsync(AgentPrompts.Suggest(question), s.Id, $"se{round}/suggest", ct).ConfigureAwait(false);
            if (sug.Truncated || sug.Text.Trim().Length == 0)
            {
                w.Reject(sug.Truncated ? AgentReject.Truncated : AgentReject.MissingAnswer, step + " (suggester)", sug.Truncated ? $"the reply hit --max-tokens {options.MaxTokens}" : "empty suggestions");
                return;
            }
            var ed = await call.AskAsync(AgentPrompts.Edit(question, sug.Text.Trim()), s.Id, $"se{round}/edit", ct).ConfigureAwait(false);
            if (ed.Truncated)
            {
                w.Reject(AgentReject.Truncated, step + " (editor)", $"the reply hit --max-tokens {options.MaxTokens}");
                return;
            }
            if (AgentReply.Object(ed.Text, out string? why) is not { } o)
            {
                w.Reject(AgentReject.InvalidJson, step + " (editor)", why!);
                return;
            }
            if (AgentReply.Text(o, "question") is not { } harder)
            {
                w.Reject(AgentReject.MissingQuestion, step + " (editor)", "field \"question\" missing or empty");
                return;
            }
            if (AgentRun.Norm(harder) == AgentRun.Norm(question))
            {
                w.Reject(AgentReject.Unchanged, step + " (editor)", "the editor returned the problem unchanged");
                return;
            }
            // The next round builds on this problem even when its solution is filtered out: the problem itself is sound.
            question = harder;
            var sol = await SolveAsync(w, harder, $"se{round}", step, ct).ConfigureAwait(false);
            if (sol is { } v)
            {
                w.Items.Add(Item(s, harder, v.Text, v.Final, ed, AgentKind.SuggesterEditor, null, round));
            }
        }
    }

    private async Task AugmentAsync(SeedWork w, CancellationToken ct)
    {
        var s = w.Seed;
        foreach (var mode in options.Modes)
        {
            string name = AgentNames.Of(mode), step = "augment " + name;
            var r = await call.AskAsync(AgentPrompts.Augment(mode, s.Question), s.Id, "augment/" + name, ct).ConfigureAwait(false);
            string q = r.Text.Trim();
            if (r.Truncated)
            {
                w.Reject(AgentReject.Truncated, step, $"the reply hit --max-tokens {options.MaxTokens}");
                continue;
            }
            if (q.Length == 0)
            {
                w.Reject(AgentReject.MissingQuestion, step, "empty reply");
                continue;
            }
            if (AgentRun.Norm(q) == AgentRun.Norm(s.Question))
            {
                w.Reject(AgentReject.Unchanged, step, "the reply repeats the seed problem");
                continue;
            }
            if (!options.Solve)
            {
                w.Items.Add(Item(s, q, null, null, r, AgentKind.Augment, name, 1));
                continue;
            }
            if (await SolveAsync(w, q, "augment/" + name, step, ct).ConfigureAwait(false) is { } v)
            {
                w.Items.Add(Item(s, q, v.Text, v.Final, r, AgentKind.Augment, name, 1));
            }
        }
    }

    // The solver's solution when it passes the length filter and has a final answer; else a counted rejection.
    private async Task<(string Text, string Final)?> SolveAsync(SeedWork w, string question, string stepKey, string step, CancellationToken ct)
    {
        var sol = await call.AskAsync(AgentPrompts.Solve(question), w.Seed.Id, stepKey + "/solve", ct).ConfigureAwait(false);
        string text = sol.Text.Trim();
        if (sol.Truncated)
        {
            w.Reject(AgentReject.Truncated, step + " (solver)", $"the solution hit --max-tokens {options.MaxTokens}");
            return null;
        }
        if (text.Length > options.MaxAnswerChars)
        {
            w.Reject(AgentReject.AnswerTooLong, step + " (solver)", $"{text.Length} characters > --max-answer-chars {options.MaxAnswerChars}");
            return null;
        }
        string final = Grading.Extraction.AnswerExtractor.Extract(text).Answer;
        if (final.Length == 0)
        {
            w.Reject(AgentReject.NoFinalAnswer, step + " (solver)", "no final answer in the solution");
            return null;
        }
        return (text, final);
    }

    private static AgentItem Item(SeedProblem s, string question, string? answer, string? final, AgentResponse wrote, AgentKind agent, string? mode, int round) =>
        new("", question, answer, final, new AgentProvenance(s.Id, s.Line, AgentNames.Of(agent), mode, round, wrote.PromptSha256, wrote.Model, wrote.Seed, 0));

    private static string Short(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
