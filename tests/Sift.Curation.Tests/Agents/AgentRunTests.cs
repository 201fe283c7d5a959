using System.Text.Json;
using Sift.Core;
using Sift.Curation.Agents;
using Sift.Eval.Datasets;

namespace Sift.Curation.Tests.Agents;

public sealed class AgentRunTests
{
    private const string Tom = "Tom has 3 apples and buys 4 more. How many apples does he have?";
    private const string Pens = "A box holds 12 pens. How many pens are in 2 boxes?";
    private const string Cats = "A cat sleeps 16 hours a day. How many hours is it awake?";
    private const string Before = "Tom bought 4 apples and then had 7. How many did he have before?";
    private const string Bought = "Tom had 3 apples and then 7. How many did he buy?";
    private const string OneBox = "Two boxes hold 24 pens. How many pens does one box hold?";

    private static string Seeds(string dir) => TestFiles.Raw(dir, "seeds.jsonl", string.Join("\n",
        JsonSerializer.Serialize(new { id = "s1", question = Tom, answer = "Tom has 3 + 4 = 7 apples.\n#### 7" }),
        JsonSerializer.Serialize(new { id = "s2", question = Pens, answer = "2 * 12 = 24\n#### 24" }),
        JsonSerializer.Serialize(new { id = "s3", question = Cats, answer = "24 - 16 = 8\n#### 8" })) + "\n");

    // Ask-Me-Anything replies per seed, and the solver's solution per question.
    private static string AmaWorld(string prompt)
    {
        if (prompt.StartsWith("Here is a math word problem and its solution.", StringComparison.Ordinal))
        {
            if (prompt.Contains(Tom, StringComparison.Ordinal))
            {
                return JsonSerializer.Serialize(new
                {
                    statement = "Tom had 3 apples, bought 4 more and then had 7 apples.",
                    problems = new object[]
                    {
                        new { question = Before, answer = "3" },
                        new { question = Bought, answer = "4" },
                        new { question = "How many apples are nine?", answer = "9" },
                        new { question = "How many in words?", answer = "seven" },
                        new { question = "What is missing?" },
                    },
                });
            }
            if (prompt.Contains(Pens, StringComparison.Ordinal))
            {
                // Wrapped in prose and a fence, as models do; the first problem repeats one of s1's.
                return "Sure! Here it is:\n```json\n" + JsonSerializer.Serialize(new
                {
                    statement = "Two boxes of 12 pens hold 24 pens; 3 of them are red.",
                    problems = new object[] { new { question = Before.ToUpperInvariant(), answer = "3" }, new { question = OneBox, answer = "12" } },
                }) + "\n```\nHope this helps.";
            }
            return "I cannot do that.";
        }
        return prompt switch
        {
            Before => "He had 7 - 4 = 3 apples. The answer is 3.",
            Bought => "He bought 7 - 3 = 5. The answer is 5.",
            _ when prompt == Before.ToUpperInvariant() => "The answer is 3.",
            OneBox => "24 / 2 = 12. The answer is 12.",
            _ => throw new InvalidOperationException("unexpected prompt: " + prompt),
        };
    }

    private static AgentOptions Ama => new() { Agent = AgentKind.AskMeAnything, Concurrency = 1, Seed = 5 };

    private static List<AgentItem> Items(string path) => [.. File.ReadLines(path).Select(l => JsonSerializer.Deserialize(l, AgentJson.Default.AgentItem)!)];

    [Fact]
    public async Task AskMeAnything_KeepsCheckedProblems_AndCountsEveryRejection()
    {
        string dir = TestFiles.Dir(), output = Path.Combine(dir, "out.jsonl");
        var client = new ScriptedChatClient(AmaWorld);
        var s = await AgentRun.RunAsync(Seeds(dir), output, Ama with { Concurrency = 3 }, client);

        var items = Items(output);
        Assert.Equal(["s1/ask-me-anything/0", "s2/ask-me-anything/0"], items.Select(i => i.Id));
        Assert.Equal([Before, OneBox], items.Select(i => i.Question));
        Assert.Equal(["3", "12"], items.Select(i => i.FinalAnswer));
        Assert.Equal("He had 7 - 4 = 3 apples. The answer is 3.", items[0].Answer);
        Assert.Equal(2, s.Written);
        Assert.Equal(3, s.Processed);
        Assert.Equal("scripted-model", s.Model);
        var expected = new Dictionary<string, int>
        {
            [AgentReject.SolverDisagrees] = 1,
            [AgentReject.AnswerNotInStatement] = 1,
            [AgentReject.AnswerNotANumber] = 1,
            [AgentReject.MissingAnswer] = 1,
            [AgentReject.Duplicate] = 1,
            [AgentReject.InvalidJson] = 1,
        };
        Assert.Equal(expected, s.Rejected.Where(kv => kv.Value > 0).ToDictionary());
        Assert.Contains(s.RejectionExamples, e => e.StartsWith("seed s3 (line 3), ask-me-anything: invalid_json", StringComparison.Ordinal));
        Assert.Contains(s.RejectionExamples, e => e.Contains("seed s1 (line 1), ask-me-anything problem 1: solver_disagrees: the solver answered \"5\", the problem was written for 4", StringComparison.Ordinal));

        // Provenance: the request that wrote the question, hashed as sent, with its seed and the model.
        var amaRequest = client.Requests.Single(r => r.Prompt.Contains(Tom, StringComparison.Ordinal) && r.Prompt.StartsWith("Here is", StringComparison.Ordinal));
        var p = items[0].Provenance;
        Assert.Equal(("s1", 1, "ask-me-anything", (string?)null, 1, "scripted-model", 0), (p.SeedId, p.SeedLine, p.Agent, p.Mode, p.Round, p.Model, p.Index));
        Assert.Equal(AgentCall.Hash(amaRequest.Prompt, amaRequest.Options!), p.PromptSha256);
        Assert.Equal(amaRequest.Options!.Seed, p.Seed);
        Assert.Equal(64, p.PromptSha256.Length);
        Assert.All(client.Requests, r => Assert.Equal((0.7f, 0.95f, 1024), (r.Options!.Temperature!.Value, r.Options.TopP!.Value, r.Options.MaxOutputTokens!.Value)));
    }

    [Fact]
    public async Task RequestSeeds_DependOnSeedIdAndStepOnly()
    {
        string dir = TestFiles.Dir();
        var a = new ScriptedChatClient(AmaWorld);
        var b = new ScriptedChatClient(AmaWorld);
        await AgentRun.RunAsync(Seeds(dir), Path.Combine(dir, "a.jsonl"), Ama with { Concurrency = 1 }, a);
        await AgentRun.RunAsync(Seeds(dir), Path.Combine(dir, "b.jsonl"), Ama with { Concurrency = 3 }, b);
        Assert.Equal(a.Requests.ToDictionary(r => r.Prompt, r => r.Options!.Seed), b.Requests.ToDictionary(r => r.Prompt, r => r.Options!.Seed));
        Assert.Equal(a.Requests.Count, a.Requests.Select(r => r.Options!.Seed).Distinct().Count());
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a.jsonl")), File.ReadAllBytes(Path.Combine(dir, "b.jsonl")));
        var c = new ScriptedChatClient(AmaWorld);
        await AgentRun.RunAsync(Seeds(dir), Path.Combine(dir, "c.jsonl"), Ama with { Seed = 6 }, c);
        Assert.NotEqual(a.Requests[0].Options!.Seed, c.Requests[0].Options!.Seed);
    }

    [Fact]
    public async Task KilledRun_Resumes_WithoutAskingOrWritingTwice()
    {
        string dir = TestFiles.Dir(), seeds = Seeds(dir);
        string whole = Path.Combine(dir, "whole.jsonl"), cut = Path.Combine(dir, "cut.jsonl");
        await AgentRun.RunAsync(seeds, whole, Ama, new ScriptedChatClient(AmaWorld));

        // The endpoint goes away while seed s2 is being worked on: s1 is committed, s2 is not.
        var failing = new ScriptedChatClient(AmaWorld) { FailWhen = p => p == OneBox };
        await Assert.ThrowsAsync<HttpRequestException>(() => AgentRun.RunAsync(seeds, cut, Ama, failing));
        Assert.Equal(["s1/ask-me-anything/0"], Items(cut).Select(i => i.Id));
        // A line torn by a kill, of a seed that never finished.
        File.AppendAllText(cut, "{\"id\":\"s2/ask-me-anything/0\",\"question\":\"Two bo");

        var again = new ScriptedChatClient(AmaWorld);
        var s = await AgentRun.RunAsync(seeds, cut, Ama, again);
        Assert.Equal(1, s.AlreadyDone);
        Assert.Equal(2, s.Processed);
        Assert.DoesNotContain(again.Requests, r => r.Prompt.Contains(Tom, StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(cut));
        Assert.Equal(2, s.TotalWritten);

        // A finished run asks nothing more.
        var idle = new ScriptedChatClient(AmaWorld);
        var done = await AgentRun.RunAsync(seeds, cut, Ama, idle);
        Assert.Empty(idle.Requests);
        Assert.Equal((3, 0), (done.AlreadyDone, done.Processed));
    }

    [Fact]
    public async Task SuggesterEditor_BuildsEachRoundOnThePreviousProblem_AndFiltersLongSolutions()
    {
        string dir = TestFiles.Dir(), output = Path.Combine(dir, "se.jsonl");
        const string Harder1 = "A box holds 12 pens and a bag holds half as many. How many pens are in 2 boxes and 3 bags?";
        const string Harder2 = "A box holds 12 pens, a bag half as many, a crate 3 boxes. How many pens in 2 crates and 3 bags?";
        string seeds = TestFiles.Raw(dir, "seeds.jsonl", JsonSerializer.Serialize(new { idx = 7, question = Pens }) + "\n");
        var client = new ScriptedChatClient(p =>
            p.StartsWith("Here is a math word problem.", StringComparison.Ordinal) ? "- add a second container\n- use a fraction" :
            p.StartsWith("Here is a math word problem and suggestions", StringComparison.Ordinal)
                ? JsonSerializer.Serialize(new { question = p.Contains(Harder1, StringComparison.Ordinal) ? Harder2 : Harder1 }) :
            p == Harder1 ? new string('x', 1801) + " The answer is 42." :
            p == Harder2 ? "2 crates are 72 pens, 3 bags are 18. The answer is 90." :
            throw new InvalidOperationException(p));
        var s = await AgentRun.RunAsync(seeds, output, new AgentOptions { Agent = AgentKind.SuggesterEditor, Rounds = 2 }, client);

        var item = Assert.Single(Items(output));
        Assert.Equal(("7/suggester-editor/0", Harder2, "90", 2), (item.Id, item.Question, item.FinalAnswer, item.Provenance.Round));
        Assert.Equal(1, s.Rejected[AgentReject.AnswerTooLong]);
        var suggests = client.Requests.Where(r => r.Prompt.StartsWith("Here is a math word problem.\n", StringComparison.Ordinal)).Select(r => r.Prompt).ToList();
        Assert.Equal(2, suggests.Count);
        Assert.Contains(Pens, suggests[0], StringComparison.Ordinal);
        Assert.Contains(Harder1, suggests[1], StringComparison.Ordinal);
        var edit2 = client.Requests.Single(r => r.Prompt.Contains("suggestions", StringComparison.Ordinal) && r.Prompt.Contains(Harder1, StringComparison.Ordinal));
        Assert.Equal(AgentCall.Hash(edit2.Prompt, edit2.Options!), item.Provenance.PromptSha256);
    }

    [Fact]
    public async Task Augment_SendsInternLm2Templates_Verbatim_AndRejectsWhatIsNotANewProblem()
    {
        string dir = TestFiles.Dir(), output = Path.Combine(dir, "aug.jsonl");
        string seeds = TestFiles.Raw(dir, "seeds.jsonl", JsonSerializer.Serialize(new { question = Cats }) + "\n");
        const string Rephrased = "For 16 hours each day a cat is asleep. For how many hours of the day is it awake?";
        const string Harder = "A cat sleeps 16 hours a day and naps 2 more. How many hours is it awake in a week?";
        const string Fraction = "A cat sleeps 2/3 of a day. How many hours is it awake?";
        var client = new ScriptedChatClient(p => p switch
        {
            "Describe this problem in another way. " + Cats => Rephrased,
            "Please augment a new problem based on: " + Cats => "   ",
            "Increase the complexity of the problem: " + Cats => Harder,
            "Change specific numbers: " + Cats => "  " + Cats.ToUpperInvariant() + " ",
            "Introduce fractions or percentages: " + Cats => Fraction,
            Rephrased => "24 - 16 = 8. The answer is 8.",
            Harder => "It is awake 6 hours a day, 42 in a week. The answer is 42.",
            Fraction => "I am not sure how to do this.",
            _ => throw new InvalidOperationException(p),
        });
        var s = await AgentRun.RunAsync(seeds, output, new AgentOptions { Agent = AgentKind.Augment, Modes = Enum.GetValues<AugmentMode>() }, client);

        Assert.Equal(
            ["Describe this problem in another way. " + Cats, "Please augment a new problem based on: " + Cats, "Increase the complexity of the problem: " + Cats,
             "Change specific numbers: " + Cats, "Introduce fractions or percentages: " + Cats],
            client.Requests.Select(r => r.Prompt).Where(p => p.EndsWith(Cats, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                .OrderBy(p => Array.IndexOf(["Describe", "Please", "Increase", "Change", "Introduce"], p.Split(' ')[0])));
        var items = Items(output);
        Assert.Equal([("rephrase", Rephrased, "8"), ("harder", Harder, "42")], items.Select(i => (i.Provenance.Mode!, i.Question, i.FinalAnswer!)));
        Assert.Equal(["line:1/augment/0", "line:1/augment/1"], items.Select(i => i.Id));
        Assert.Equal((1, 1, 1), (s.Rejected[AgentReject.MissingQuestion], s.Rejected[AgentReject.Unchanged], s.Rejected[AgentReject.NoFinalAnswer]));
    }

    [Fact]
    public async Task TruncatedReplies_AreRejected_NotParsed()
    {
        string dir = TestFiles.Dir(), output = Path.Combine(dir, "t.jsonl");
        var client = new ScriptedChatClient(AmaWorld) { TruncateWhen = p => p.Contains(Tom, StringComparison.Ordinal) };
        var s = await AgentRun.RunAsync(Seeds(dir), output, Ama with { Limit = 1 }, client);
        Assert.Equal(1, s.Rejected[AgentReject.Truncated]);
        Assert.Empty(File.ReadAllText(output));
    }

    [Fact]
    public async Task BadSeeds_AreNamedByLineAndField()
    {
        string dir = TestFiles.Dir();
        string noAnswer = TestFiles.Raw(dir, "a.jsonl", JsonSerializer.Serialize(new { question = Tom, answer = "7" }) + "\n" + JsonSerializer.Serialize(new { question = Pens }) + "\n");
        var ex = await Assert.ThrowsAsync<SiftException>(() => AgentRun.RunAsync(noAnswer, Path.Combine(dir, "o1.jsonl"), Ama, new ScriptedChatClient(AmaWorld)));
        Assert.Equal($"{noAnswer}:2: field \"answer\" missing (use --bad-lines skip to skip such lines)", ex.Message);

        // Augment needs no answer; a non-object line is skipped and counted under --bad-lines skip.
        string mixed = TestFiles.Raw(dir, "b.jsonl", "[1,2]\n" + JsonSerializer.Serialize(new { question = Cats }) + "\n");
        var s = await AgentRun.RunAsync(mixed, Path.Combine(dir, "o2.jsonl"),
            new AgentOptions { Agent = AgentKind.Augment, Solve = false, BadLines = BadLinePolicy.Skip }, new ScriptedChatClient(_ => "A dog sleeps 12 hours. How long is it awake?"));
        Assert.Equal((1, 1), (s.SkippedLines, s.Written));

        string dupIds = TestFiles.Raw(dir, "c.jsonl", JsonSerializer.Serialize(new { id = "x", question = Tom }) + "\n" + JsonSerializer.Serialize(new { id = "x", question = Pens }) + "\n");
        var dup = await Assert.ThrowsAsync<SiftException>(() => AgentRun.RunAsync(dupIds, Path.Combine(dir, "o3.jsonl"), new AgentOptions { Agent = AgentKind.Augment }, new ScriptedChatClient(AmaWorld)));
        Assert.Contains("c.jsonl:2: id \"x\" already used on line 1", dup.Message, StringComparison.Ordinal);

        string foreign = TestFiles.Raw(dir, "foreign.jsonl", "{\"something\": 1}\n");
        var notOurs = await Assert.ThrowsAsync<SiftException>(() => AgentRun.RunAsync(dupIds, foreign, new AgentOptions { Agent = AgentKind.Augment, IdField = "question" }, new ScriptedChatClient(AmaWorld)));
        Assert.Contains("not an agent run to resume", notOurs.Message, StringComparison.Ordinal);
        Assert.Equal("{\"something\": 1}\n", File.ReadAllText(foreign));
    }

    [Theory]
    [InlineData("{\"statement\": \"x\"}", true)]
    [InlineData("Here:\n```json\n{\"a\": 1}\n```", true)]
    [InlineData("prose {\"a\": {\"b\": 2}} more prose", true)]
    [InlineData("[1, 2]", false)]
    [InlineData("", false)]
    [InlineData("{not json}", false)]
    public void Reply_FindsTheJsonObject(string reply, bool found) => Assert.Equal(found, AgentReply.Object(reply, out _).HasValue);

    [Fact]
    public void Numbers_ReadThousandsSeparatorsAndDecimals() =>
        Assert.Equal([1200m, 3.5m, -4m, 7m], AgentReply.Numbers("1,200 apples, 3.5 kg, -4 degrees and 7"));
}
