using System.Text.Json.Nodes;
using Sift.Inference.Chat;
using Sift.Rewards.Scoring;
using Sift.Rewards.Tests.Support;
using Xunit.Abstractions;

namespace Sift.Rewards.Tests.Scoring;

/// <summary>
/// Each format's input is built as its source builds it: the texts in Golden/rm_golden.json were rendered by
/// make_rm_golden.py with Jinja2 under Hugging Face's settings and the Llama-3.1 template (RLHFlow's split, turns
/// and ORM joining written out in Python), and Math-Shepherd's f"{question} {output}".
/// </summary>
public sealed class PromptGoldenTests(ITestOutputHelper output)
{
    private static JsonArray Cases => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "rm_golden.json")))!.AsArray();

    private static ChatPrompt Llama31Chat => ChatPrompt.FromTemplate(Tokenizers.Llama3Like, Llama31.ChatTemplate, "Llama-3.1");

    public static TheoryData<string> Names => new(Cases.Select(c => (string)c!["name"]!));

    [Theory]
    [MemberData(nameof(Names))]
    public void Prompt_EqualsTheSourceRendering(string name)
    {
        var c = Cases.Single(x => (string)x!["name"]! == name)!;
        var tok = Tokenizers.Llama3Like;
        var labels = LabelTokens.Single(tok, "+", "-");
        string format = (string)c["format"]!;
        IRmPromptBuilder builder = format switch
        {
            "rlhflow-prm" => new ChatTurnsPromptBuilder(Llama31Chat, labels, outcome: false, separator: null),
            "rlhflow-orm" => new ChatTurnsPromptBuilder(Llama31Chat, labels, outcome: true, separator: null),
            _ => new TaggedPromptBuilder(tok, tok.BosId, "ки", separator: null),
        };
        var p = builder.Build((string)c["question"]!, (string)c["completion"]!);
        string golden = (string)c["text"]!;
        Assert.Equal(golden, p.Text);
        int steps = (int)c["steps"]!;
        Assert.Equal(steps, p.Rows.Length);
        if (format.StartsWith("rlhflow", StringComparison.Ordinal))
        {
            // Tokens: the rendering tokenized with its specials, nothing added (apply_chat_template).
            Assert.Equal(tok.Encode(golden, allowSpecial: true), p.Tokens);
            Assert.Equal(tok.BosId, p.Tokens[0]);
            // Rows: PR #53's len(prefix ids) - 3, the row that predicts the "+" before <|eot_id|>.
            var prefixes = c["prefixes"]!.AsArray().Select(x => (string)x!).ToList();
            int eot = tok.TokenToId("<|eot_id|>")!.Value;
            for (int k = 0; k < steps; k++)
            {
                int len = tok.Encode(prefixes[k], allowSpecial: true).Length;
                Assert.Equal(len - 3, p.Rows[k]);
                Assert.Equal(labels.Good, p.Tokens[p.Rows[k] + 1]);
                Assert.Equal(eot, p.Tokens[p.Rows[k] + 2]);
            }
        }
        else
        {
            // Math-Shepherd: BOS + encode(text); the label is read at each tag position itself, i.e. where the text
            // decoded so far ends with the tag (here " ки", the tag after a space, is one token of this tokenizer).
            Assert.Equal([tok.BosId!.Value, .. tok.Encode(golden)], p.Tokens);
            var ends = Enumerable.Range(1, p.Tokens.Length - 1).Where(i => tok.Decode(p.Tokens.AsSpan(1, i)).EndsWith("ки", StringComparison.Ordinal)
                && !tok.Decode(p.Tokens.AsSpan(1, i - 1)).EndsWith("ки", StringComparison.Ordinal)).ToList();
            Assert.Equal(ends, p.Rows);
        }
    }

    [Fact]
    public void Llama31Template_MatchesTheSharedCopy()
    {
        string shared = Path.Combine(SharedDir() ?? "", "models", "configs", "meta-llama__Llama-3.1-8B-Instruct.chat_template.jinja");
        if (!File.Exists(shared))
        {
            output.WriteLine("SKIPPED: ../shared/models/configs is not here; the template is checked against it when it is");
            return;
        }
        Assert.Equal(Llama31.ChatTemplate, File.ReadAllText(shared));
    }

    [Fact]
    public void Separator_TagsUntaggedSolutions_InMathShepherdLayout()
    {
        var tok = Tokenizers.Llama3Like;
        var b = new TaggedPromptBuilder(tok, tok.BosId, "ки", separator: "\n\n");
        var p = b.Build("Q?", "First step.\n\n\n\nSecond step.\n\n");
        Assert.Equal("Q? First step. ки\nSecond step. ки", p.Text);
        Assert.Equal(2, p.Rows.Length);
    }

    [Fact]
    public void RlhFlowSplit_PicksTheSourcesSeparator()
    {
        var tok = Tokenizers.Llama3Like;
        var b = new ChatTurnsPromptBuilder(Llama31Chat, LabelTokens.Single(tok, "+", "-"), outcome: false, separator: null);
        // Deepseek data: blank lines; a single newline does not split.
        Assert.Equal(2, b.Build("Q", "a\nb\n\nc").Rows.Length);
        // Mistral data: "ки\n"; blank lines inside a step do not split it.
        Assert.Equal(2, b.Build("Q", "a\n\nb ки\nc ки").Rows.Length);
        // Given a separator, it wins.
        Assert.Equal(3, new ChatTurnsPromptBuilder(Llama31Chat, LabelTokens.Single(tok, "+", "-"), false, "\n").Build("Q", "a\nb\n\nc").Rows.Length);
    }

    internal static string? SharedDir()
    {
        string? env = Environment.GetEnvironmentVariable("SIFT_SHARED");
        if (env is not null && Directory.Exists(env))
        {
            return env;
        }
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
        {
            string candidate = Path.Combine(d, "..", "shared");
            if (Directory.Exists(Path.Combine(candidate, "models")))
            {
                return Path.GetFullPath(candidate);
            }
        }
        return null;
    }
}
