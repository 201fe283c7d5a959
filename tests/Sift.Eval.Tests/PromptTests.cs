using Sift.Core;
using Sift.Eval.Datasets;
using Sift.Eval.Prompts;
using Xunit.Abstractions;

namespace Sift.Eval.Tests;

public sealed class PromptTests(ITestOutputHelper output)
{
    // sha256[:16] of each file as listed in shared/data/SOURCES.md (ZubinGou/math-evaluation-harness @db77bc6).
    public static TheoryData<string, string> Sources => new()
    {
        { "cot/gsm8k", "f7b267f942be471e" },
        { "cot/minerva_math", "6637ad6e3ece303c" },
        { "cot/math", "6be6d4eb9ce8c1dd" },
        { "cot/mathqa", "ba599b1fda1932b4" },
        { "cot/mmlu_stem", "c5e61e1f80bbf4b0" },
        { "pal/gsm8k", "cb3eebfbdb303953" },
        { "pal/math", "bcbbcbf90a63a555" },
        { "tora/gsm8k", "dac79c873da102e6" },
        { "tora/math", "8beb669069d49d7a" },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void EmbeddedFiles_AreTheHarnessFilesByteForByte(string name, string sha16)
    {
        Assert.StartsWith(sha16, PromptLibrary.Sha256(name));
        if (TestPaths.Shared("prompts", "harness", name + ".md") is { } shared)
        {
            Assert.Equal(File.ReadAllBytes(shared), PromptLibrary.Bytes(name));
        }
        else
        {
            output.WriteLine($"shared copy of {name} not found; checked the sha256 prefix only");
        }
    }

    [Fact]
    public void Library_HoldsExactlyTheListedFiles() => Assert.Equal(Sources.Select(r => (string)r[0]).Order(StringComparer.Ordinal), PromptLibrary.Names);

    [Fact]
    public void MinervaPrompt_KeepsItsDoubledBackslashes()
    {
        string t = PromptLibrary.Text("cot/minerva_math");
        Assert.Contains("$\\\\frac{\\\\sqrt{x-2}}{\\\\sqrt{5-x}}$.}", t);
        Assert.DoesNotContain("$\\frac{\\sqrt", t);
    }

    /// <summary>
    /// Assembled prompts for the first synthetic record of each dataset, byte-identical to the harness's
    /// construct_prompt output (Golden/prompts/*.txt, written by that Python code).
    /// </summary>
    [Fact]
    public void AssembledPrompts_MatchTheHarness()
    {
        int n = 0;
        foreach (var def in DatasetRegistry.All)
        {
            var first = DatasetLoader.Load(def, TestPaths.Golden("records", def.Name + ".jsonl")).Problems[0];
            foreach (var kind in new[] { PromptKind.Cot, PromptKind.Pal, PromptKind.Tool })
            {
                string golden = TestPaths.Golden("prompts", $"{def.Name}.{kind.Name()}.txt");
                if (def.MultipleChoice && kind != PromptKind.Cot)
                {
                    Assert.False(File.Exists(golden));
                    Assert.Throws<SiftException>(() => new PromptBuilder(def, kind));
                    continue;
                }
                Assert.Equal(File.ReadAllText(golden), new PromptBuilder(def, kind).Build(first));
                n++;
            }
        }
        Assert.Equal(27, n);
    }

    [Fact]
    public void GsmPrompt_HasTheDocumentedLayout()
    {
        var b = new PromptBuilder(DatasetRegistry.Get("gsm8k"), PromptKind.Cot);
        string p = b.Build("How many?");
        Assert.StartsWith("Question: There are 15 trees in the grove.", p);
        Assert.EndsWith("The answer is 8.\n\n\nQuestion: How many?\nAnswer:", p);
        Assert.Equal(8, p.Split("Question:").Length - 2);
        Assert.Equal(["</s>", "\n\nQuestion:", "\n\nProblem:"], b.Stop);
        Assert.Equal("cot/gsm8k", b.FewShot);
    }

    [Fact]
    public void ChatPrompt_UsesTheDocumentedTemplates()
    {
        var def = DatasetRegistry.Get("math500");
        Assert.Equal("User: What is 1+1?\nPlease reason step by step, and put your final answer within \\boxed{}.\n\nAssistant:",
            new PromptBuilder(def, PromptKind.Chat).Build("What is 1+1?"));
        var chatml = new PromptBuilder(def, PromptKind.Chat, chat: ChatTemplate.Get("chatml"));
        Assert.Equal("<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>user\nWhat is 1+1?<|im_end|>\n<|im_start|>assistant\n",
            chatml.Build("What is 1+1?"));
        Assert.Contains("<|im_end|>", chatml.Stop);
        Assert.Throws<SiftException>(() => ChatTemplate.Get("llama"));
    }

    [Fact]
    public void FewShotOverride_TakesEmbeddedNamesFilesOrNone()
    {
        var def = DatasetRegistry.Get("math500");
        Assert.StartsWith("Problem:\nKevin Kangaroo begins hopping", new PromptBuilder(def, PromptKind.Cot, "cot/math").Build("q"));
        Assert.Equal("Problem:\nq\nSolution:", new PromptBuilder(def, PromptKind.Cot, "none").Build("q"));
        string dir = TestPaths.TempDir();
        string file = Path.Combine(dir, "mine.md");
        File.WriteAllText(file, "\r\nQ: 1+1\r\nA: 2\r\n\r\n");
        var b = new PromptBuilder(def, PromptKind.Cot, file);
        Assert.Equal("Q: 1+1\nA: 2\n\n\nProblem:\nq\nSolution:", b.Build("q"));
        Assert.StartsWith("file:", b.FewShot);
        Assert.Throws<SiftException>(() => new PromptBuilder(def, PromptKind.Cot, "cot/nothing"));
    }
}
