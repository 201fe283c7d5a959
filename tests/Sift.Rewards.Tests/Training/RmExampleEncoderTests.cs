using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data.Examples;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;
using Sift.Rewards.Training;
using Sift.Text;
using Sift.Text.Bpe;

namespace Sift.Rewards.Tests.Training;

/// <summary>
/// `sift data pack --format prm|orm` against the scorer: for every format, the packed tokens are the prompt
/// `sift rm score` builds for the same solution, and the sampler's targets sit at exactly the scorer's read rows with
/// the label ids; bad records are errors naming file:line and the field.
/// </summary>
public sealed class RmExampleEncoderTests
{
    private const string Question = "Janet has 3 apples and buys 2 more.";

    // Llama-3.1 specials, and "+ -" as two ids (as Math-Shepherd's labels need).
    private static readonly HfTokenizer Tok = BpeTrainer.Train(
        Enumerable.Range(0, 40).Select(i => $"Janet has {i % 7} apples and buys {i % 3} more. Step {i % 4}: {i % 7} + {i % 3} = {i % 7 + i % 3}. ки\nThe answer is: {i} ки + -"),
        400, ["<|endoftext|>", .. Llama31.Specials]);

    private static readonly (string[] Steps, bool[] Good)[] Solutions =
    [
        (["Step 1: 3 + 2 = 5.", "The answer is: 5"], [true, true]),
        (["Step 1: 3 + 2 = 6."], [false]),
        (["Step 1: she has 3.", "Step 2: 3 + 2 = 4.", "The answer is: 4"], [true, false, false]),
    ];

    private static string Tagged(string[] steps, Func<int, string> end) => string.Join("\n", steps.Select((s, k) => s + " " + end(k)));

    private static string ShepherdRecord((string[] Steps, bool[] Good) s) => new JsonObject
    {
        ["input"] = Question + " " + Tagged(s.Steps, _ => "ки"),
        ["label"] = Question + " " + Tagged(s.Steps, k => s.Good[k] ? "+" : "-"),
    }.ToJsonString();

    private static string ConversationRecord((string[] Steps, bool[] Good) s)
    {
        var turns = new JsonArray();
        for (int k = 0; k < s.Steps.Length; k++)
        {
            turns.Add(new JsonObject { ["role"] = "user", ["content"] = k == 0 ? Question + " " + s.Steps[0] : s.Steps[k] });
            turns.Add(new JsonObject { ["role"] = "assistant", ["content"] = s.Good[k] ? "+" : "-" });
        }
        return new JsonObject { ["conversations"] = turns }.ToJsonString();
    }

    private static RmFormatOptions ScorerOptions(RmFormat f, string? split = null) => f switch
    {
        RmFormat.Tagged => new RmFormatOptions(f, Split: split, StepTag: "ки", Good: "+", Bad: "-"),
        RmFormat.RlhFlowPrm or RmFormat.RlhFlowOrm => new RmFormatOptions(f, ChatTemplate: Llama31.ChatTemplate),
        _ => new RmFormatOptions(f),
    };

    private static RmPackOptions PackOptions(ExampleKind kind, RmFormat f) => f switch
    {
        RmFormat.Tagged => new RmPackOptions(kind, f, StepTag: "ки"),
        RmFormat.RlhFlowPrm or RmFormat.RlhFlowOrm => new RmPackOptions(kind, f, ChatTemplate: Llama31.ChatTemplate),
        _ => new RmPackOptions(kind, f),
    };

    // The completion the scorer is given for the same solution: tagged steps, or RLHFlow's blank-line steps.
    private static string ScorerCompletion(RmFormat f, string[] steps) =>
        f == RmFormat.RlhFlowPrm ? string.Join("\n\n", steps) : Tagged(steps, _ => "ки");

    [Theory]
    [InlineData("math-shepherd")]
    [InlineData("tagged")]
    [InlineData("rlhflow-prm")]
    public void Prm_PackedTargets_AreTheScorersReadRows_InBothRecordLayouts(string format)
    {
        var tok = Tok;
        var f = RmFormats.Parse(format);
        var scorer = RmSetup.Create(ScorerOptions(f), tok, tok.BosId);
        var encoder = new RmExampleEncoder(PackOptions(ExampleKind.Prm, f), tok, tok.BosId);
        Assert.Equal((scorer.Labels.Good, scorer.Labels.Bad), (encoder.PositiveId, encoder.NegativeId));
        var expected = new List<(RmPrompt Prompt, bool[] Good)>();
        var lines = new List<string>();
        foreach (var s in Solutions)
        {
            var p = scorer.Builder.Build(Question, ScorerCompletion(f, s.Steps));
            Assert.Equal(s.Steps.Length, p.Rows.Length);
            foreach (string record in new[] { ShepherdRecord(s), ConversationRecord(s) })
            {
                var packed = encoder.Encode(record, "x.jsonl:1");
                Assert.Equal(p.Tokens, packed.Tokens);
                Assert.Equal(p.Rows, packed.Rows);
                Assert.Equal(s.Good, packed.Labels);
                expected.Add((p, s.Good));
                lines.Add(record);
            }
        }
        AssertSamplerTargets(ExampleKind.Prm, encoder, lines, expected);
    }

    [Theory]
    [InlineData("rlhflow-orm")]
    [InlineData("tagged")]
    public void Orm_PackedTarget_IsTheScorersReadRow(string format)
    {
        var tok = Tok;
        var f = RmFormats.Parse(format);
        var scorer = RmSetup.Create(ScorerOptions(f, f == RmFormat.Tagged ? RmExampleEncoder.WholeSolution : null), tok, tok.BosId);
        var encoder = new RmExampleEncoder(PackOptions(ExampleKind.Orm, f), tok, tok.BosId);
        var expected = new List<(RmPrompt, bool[])>();
        var lines = new List<string>();
        int i = 0;
        foreach (var s in Solutions)
        {
            string completion = string.Join("\n", s.Steps);
            bool ok = s.Good.All(g => g);
            var p = scorer.Builder.Build(Question, completion);
            Assert.Single(p.Rows);
            // `sift eval` samples carry the verdict under "strict"; plain files may say "correct" or "label".
            var o = new JsonObject { ["question"] = Question, ["completion"] = completion };
            o[(i++ % 3) switch { 0 => "correct", 1 => "label", _ => "strict" }] = i % 3 == 0 ? new JsonObject { ["correct"] = ok } : ok;
            var packed = encoder.Encode(o.ToJsonString(), "s.jsonl:1");
            Assert.Equal(p.Tokens, packed.Tokens);
            Assert.Equal(p.Rows, packed.Rows);
            Assert.Equal([ok], packed.Labels);
            expected.Add((p, [ok]));
            lines.Add(o.ToJsonString());
        }
        AssertSamplerTargets(ExampleKind.Orm, encoder, lines, expected);
    }

    // Packs the lines and reads them back through the training sampler: targets = label ids at the rows, ignored elsewhere.
    private static void AssertSamplerTargets(ExampleKind kind, RmExampleEncoder encoder, List<string> lines, List<(RmPrompt Prompt, bool[] Good)> expected)
    {
        string dir = Directory.CreateTempSubdirectory("sift-rm-pack").FullName;
        try
        {
            string input = Path.Combine(dir, "in.jsonl");
            File.WriteAllLines(input, lines);
            var m = new ExamplePacker(Tok, new ExamplePackOptions { Kind = kind, Labelled = encoder, Threads = 2, BatchLines = 2 }).Pack([input], Path.Combine(dir, "data"));
            Assert.Equal(lines.Count, m.Examples);
            using var set = ExampleSet.Open(Path.Combine(dir, "data"));
            int T = m.LongestDocument;
            var sampler = new ExampleSampler(set, T, 1);
            int rows = lines.Count;
            var (inputs, targets, positions) = (new int[rows * T], new int[rows * T], new int[rows * T]);
            sampler.ReadBatch(0, rows, new ExampleBatchSpans { Inputs = inputs, Targets = targets, Positions = positions, Rows = new ExampleRow[rows] });
            for (int r = 0; r < rows; r++)
            {
                var (p, good) = expected[r];
                Assert.Equal(p.Tokens, inputs.AsSpan(r * T, p.Tokens.Length).ToArray());
                int[] labelled = [.. Enumerable.Range(0, T).Where(j => targets[(r * T) + j] != ExampleSampler.IgnoreTarget)];
                Assert.Equal(p.Rows, labelled);
                Assert.Equal(good.Select(g => g ? encoder.PositiveId : encoder.NegativeId), labelled.Select(j => targets[(r * T) + j]));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static TheoryData<string, string, string> BadRecords => new()
    {
        { "math-shepherd", new JsonObject { ["input"] = "q a b", ["label"] = "q a b" }.ToJsonString(), "field \"input\" has no step tag" },
        { "math-shepherd", new JsonObject { ["input"] = "q a ки\nb ки", ["label"] = "q a +" }.ToJsonString(), "field \"label\"" },
        { "math-shepherd", new JsonObject { ["input"] = "q a ки", ["label"] = "q a + -" }.ToJsonString(), "field \"label\" has 2 characters more" },
        { "math-shepherd", new JsonObject { ["input"] = "q a ки", ["label"] = "q a ?" }.ToJsonString(), "step 1 of 1 has no label" },
        { "math-shepherd", new JsonObject { ["label"] = "q a +" }.ToJsonString(), "missing field \"input\"" },
        { "math-shepherd", new JsonObject { ["input"] = 3, ["label"] = "q" }.ToJsonString(), "field \"input\" is a number" },
        { "rlhflow-prm", new JsonObject { ["conversations"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "q a" }, new JsonObject { ["role"] = "assistant", ["content"] = "yes" }) }.ToJsonString(), "field \"conversations[1].content\" is \"yes\"" },
        { "rlhflow-prm", new JsonObject { ["conversations"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "q a" }) }.ToJsonString(), "1 user steps but 0 assistant labels" },
        { "rlhflow-prm", new JsonObject { ["conversations"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = "+" }) }.ToJsonString(), "field \"conversations[0].role\"" },
        { "math-shepherd", new JsonObject { ["conversations"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "q a ки" }, new JsonObject { ["role"] = "assistant", ["content"] = "+" }) }.ToJsonString(), "2 step tags \"ки\" for 1 labels" },
        { "math-shepherd", "[1]", "expected a JSON object" },
        { "math-shepherd", "{", "bad JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Prm_BadRecord_NamesLineAndField(string format, string record, string expected)
    {
        var f = RmFormats.Parse(format);
        var encoder = new RmExampleEncoder(PackOptions(ExampleKind.Prm, f), Tok, Tok.BosId);
        var ex = Assert.Throws<SiftException>(() => encoder.Encode(record, "labels.jsonl:7"));
        Assert.StartsWith("labels.jsonl:7", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Orm_BadRecord_NamesLineAndField()
    {
        var encoder = new RmExampleEncoder(PackOptions(ExampleKind.Orm, RmFormat.Tagged), Tok, Tok.BosId);
        string Error(JsonObject o) => Assert.Throws<SiftException>(() => encoder.Encode(o.ToJsonString(), "s.jsonl:3")).Message;
        Assert.Contains("s.jsonl:3: missing field \"correct\"", Error(new JsonObject { ["question"] = "q", ["completion"] = "c" }));
        Assert.Contains("s.jsonl:3: field \"correct\" is a string", Error(new JsonObject { ["question"] = "q", ["completion"] = "c", ["correct"] = "yes" }));
        Assert.Contains("s.jsonl:3: missing field \"completion\"", Error(new JsonObject { ["question"] = "q", ["correct"] = true }));
        Assert.Contains("s.jsonl:3: field \"completion\" holds the step tag", Error(new JsonObject { ["question"] = "q", ["completion"] = "a ки", ["correct"] = true }));
        Assert.Contains("s.jsonl:3: field \"completion\" has no steps", Error(new JsonObject { ["question"] = "q", ["completion"] = "  ", ["correct"] = true }));
    }

    [Fact]
    public void Options_ThatDoNotFitTheKindOrFormat_AreRefused()
    {
        var tok = Tok;
        Assert.Contains("outcome format", Assert.Throws<SiftException>(() => new RmExampleEncoder(new RmPackOptions(ExampleKind.Prm, RmFormat.RlhFlowOrm), tok, null)).Message);
        Assert.Contains("step format", Assert.Throws<SiftException>(() => new RmExampleEncoder(new RmPackOptions(ExampleKind.Orm, RmFormat.MathShepherd), tok, null)).Message);
        Assert.Contains("needs --step-tag", Assert.Throws<SiftException>(() => new RmExampleEncoder(new RmPackOptions(ExampleKind.Prm, RmFormat.Tagged), tok, null)).Message);
        Assert.Contains("go with --rm-format tagged", Assert.Throws<SiftException>(() => new RmExampleEncoder(new RmPackOptions(ExampleKind.Prm, RmFormat.MathShepherd, Positive: "+"), tok, null)).Message);
    }
}
