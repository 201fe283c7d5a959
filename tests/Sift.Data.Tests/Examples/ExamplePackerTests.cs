using System.Text;
using System.Text.Json.Nodes;
using Sift.Core;
using Sift.Data.Examples;

namespace Sift.Data.Tests.Examples;

/// <summary>A chat template for tests: "[role]content\n" per message, "[assistant]" as the generation prompt (byte tokens).</summary>
internal sealed class BracketChat(ByteTokenizer tok) : IChatEncoder
{
    public int[] Encode(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt)
    {
        var sb = new StringBuilder();
        foreach (var m in messages)
        {
            sb.Append('[').Append(m.Role).Append(']').Append(m.Content).Append('\n');
        }
        if (addGenerationPrompt)
        {
            sb.Append("[assistant]");
        }
        return tok.Encode(sb.ToString());
    }
}

public sealed class ExamplePackerTests
{
    private static readonly ByteTokenizer Tok = new();

    internal static string Write(string dir, string name, params JsonObject[] lines)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllLines(path, lines.Select(l => l.ToJsonString()));
        return path;
    }

    private static string Dir() => Directory.CreateTempSubdirectory("sift-examples").FullName;

    private static (int[] Tokens, byte[] Mask) Doc(ExampleSet set, long doc)
    {
        var (s, n) = set.Document(doc);
        var t = new int[n];
        var m = new byte[n];
        set.Tokens.ReadTokens(s, t);
        set.Mask.Read(s, m);
        return (t, m);
    }

    private static string Text(IEnumerable<int> ids) => Encoding.UTF8.GetString(ids.Where(i => i < 256).Select(i => (byte)i).ToArray());

    [Fact]
    public void Sft_MasksThePrompt_AppendsEos_AndRecordsEachExample()
    {
        string dir = Dir();
        string input = Write(dir, "sft.jsonl",
            new JsonObject { ["prompt"] = "Q: 2+2?\nA: ", ["completion"] = "4" },
            new JsonObject { ["prompt"] = "Q: 3+4?\nA: ", ["completion"] = "7", ["extra"] = 1 });
        var m = new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Sft, Threads = 2 }).Pack([input], Path.Combine(dir, "out"));
        Assert.Equal(2, m.Examples);
        Assert.Equal("sft", m.Kind);
        using var set = ExampleSet.Open(Path.Combine(dir, "out"));
        Assert.Equal(2, set.Count);
        var (t, mask) = Doc(set, set[1].FirstDocument);
        Assert.Equal("Q: 3+4?\nA: 7", Text(t));
        Assert.Equal(256, t[^1]); // EOS appended to the completion
        Assert.Equal(Enumerable.Repeat((byte)0, 11).Concat([(byte)1, (byte)1]), mask);
        Assert.Equal(-1, set[0].Label);
        Assert.Equal(4, m.CompletionTargets); // "4"+EOS, "7"+EOS
        Assert.Equal(22, m.PromptTokens);
    }

    [Fact]
    public void Pairs_PutChosenThenRejected_AndAMissingFieldNamesFileLineAndField()
    {
        string dir = Dir();
        string input = Write(dir, "p.jsonl",
            new JsonObject { ["prompt"] = "x=", ["chosen"] = "1", ["rejected"] = "22" },
            new JsonObject { ["prompt"] = "y=", ["chosen"] = "3", ["rejected"] = "4" });
        new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Pairs }).Pack([input], Path.Combine(dir, "out"));
        using (var set = ExampleSet.Open(Path.Combine(dir, "out")))
        {
            Assert.Equal(2, set[0].Documents);
            Assert.Equal("x=1", Text(Doc(set, set[0].FirstDocument).Tokens));
            Assert.Equal("x=22", Text(Doc(set, set[0].FirstDocument + 1).Tokens));
            Assert.Equal("y=4", Text(Doc(set, set[1].FirstDocument + 1).Tokens));
        }

        string bad = Write(dir, "bad.jsonl", new JsonObject { ["prompt"] = "x=", ["chosen"] = "1", ["rejected"] = "2" }, new JsonObject { ["prompt"] = "y=", ["chosen"] = "3" });
        var ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Pairs }).Pack([bad], Path.Combine(dir, "bad")));
        Assert.Contains("bad.jsonl:2", ex.Message);
        Assert.Contains("\"rejected\"", ex.Message);
        Assert.False(ExampleManifest.IsExampleSet(Path.Combine(dir, "bad")));

        string wrongType = Write(dir, "w.jsonl", new JsonObject { ["prompt"] = "x=", ["chosen"] = 5, ["rejected"] = "2" });
        ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Pairs }).Pack([wrongType], Path.Combine(dir, "w")));
        Assert.Contains("w.jsonl:1", ex.Message);
        Assert.Contains("\"chosen\" is a number", ex.Message);
    }

    [Fact]
    public void Kto_AddsAMismatchedKlDocument_AndRefusesASingleLabel()
    {
        string dir = Dir();
        string input = Write(dir, "k.jsonl",
            new JsonObject { ["prompt"] = "a?", ["completion"] = "A", ["label"] = true },
            new JsonObject { ["prompt"] = "b?", ["completion"] = "BB", ["label"] = false },
            new JsonObject { ["prompt"] = "c?", ["completion"] = "C", ["label"] = true });
        var m = new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Kto }).Pack([input], Path.Combine(dir, "out"));
        Assert.Equal((2, 1), (m.Desirable, m.Undesirable));
        using (var set = ExampleSet.Open(Path.Combine(dir, "out")))
        {
            Assert.Equal([1, 0, 1], Enumerable.Range(0, 3).Select(i => set[i].Label));
            // The KL document: this prompt, the next example's completion (the last wraps to the first).
            Assert.Equal("a?BB", Text(Doc(set, set[0].FirstDocument + 1).Tokens));
            Assert.Equal("b?C", Text(Doc(set, set[1].FirstDocument + 1).Tokens));
            Assert.Equal("c?A", Text(Doc(set, set[2].FirstDocument + 1).Tokens));
            var (t, mask) = Doc(set, set[1].FirstDocument + 1);
            Assert.Equal([0, 0, 1, 1], mask);
            Assert.Equal(256, t[^1]);
        }

        string one = Write(dir, "one.jsonl",
            new JsonObject { ["prompt"] = "a?", ["completion"] = "A", ["label"] = true },
            new JsonObject { ["prompt"] = "b?", ["completion"] = "B", ["label"] = true });
        var ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Kto }).Pack([one], Path.Combine(dir, "one")));
        Assert.Contains("one.jsonl", ex.Message);
        Assert.Contains("all 2 KTO examples are labelled true", ex.Message);

        string noLabel = Write(dir, "nl.jsonl", new JsonObject { ["prompt"] = "a?", ["completion"] = "A", ["label"] = "yes" });
        ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Kto }).Pack([noLabel], Path.Combine(dir, "nl")));
        Assert.Contains("nl.jsonl:1", ex.Message);
        Assert.Contains("\"label\" is a string", ex.Message);
    }

    [Fact]
    public void Truncation_KeepStartDropsAFullPrompt_KeepEndKeepsTheCompletion()
    {
        string dir = Dir();
        string input = Write(dir, "t.jsonl",
            new JsonObject { ["prompt"] = "0123456789", ["completion"] = "ab" },    // 10 + 3 tokens
            new JsonObject { ["prompt"] = "01234", ["completion"] = "abcdefgh" }); // 5 + 9 tokens
        var m = new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Sft, MaxLength = 10 }).Pack([input], Path.Combine(dir, "start"));
        Assert.Equal((1, 1, 1), (m.Examples, m.DroppedExamples, m.TruncatedDocuments));
        using (var set = ExampleSet.Open(Path.Combine(dir, "start")))
        {
            Assert.Equal("01234abcde", Text(Doc(set, 0).Tokens));
        }
        m = new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Sft, MaxLength = 10, Truncation = Truncation.KeepEnd }).Pack([input], Path.Combine(dir, "end"));
        Assert.Equal((2, 0, 2), (m.Examples, m.DroppedExamples, m.TruncatedDocuments));
        using (var set = ExampleSet.Open(Path.Combine(dir, "end")))
        {
            var (t, mask) = Doc(set, 0);
            Assert.Equal("3456789ab", Text(t));
            Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], mask);
            Assert.Equal(10, m.LongestDocument);
        }
    }

    [Fact]
    public void Messages_TrainEveryAssistantTurn_AndNeedAChatTemplate()
    {
        string dir = Dir();
        var msgs = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "hi" },
            new JsonObject { ["role"] = "assistant", ["content"] = "yo" },
            new JsonObject { ["role"] = "user", ["content"] = "q" },
            new JsonObject { ["role"] = "assistant", ["content"] = "a" });
        string input = Write(dir, "m.jsonl", new JsonObject { ["messages"] = msgs });
        new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Sft, Chat = new BracketChat(Tok) }).Pack([input], Path.Combine(dir, "out"));
        using (var set = ExampleSet.Open(Path.Combine(dir, "out")))
        {
            var (t, mask) = Doc(set, 0);
            string text = Text(t);
            Assert.Equal("[user]hi\n[assistant]yo\n[user]q\n[assistant]a\n", text);
            string trained = new(text.Where((_, i) => mask[i] == 1).ToArray());
            Assert.Equal("yo\na\n", trained); // each assistant turn's content and its end of turn
        }
        var ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Sft }).Pack([input], Path.Combine(dir, "nochat")));
        Assert.Contains("m.jsonl:1", ex.Message);
        Assert.Contains("chat template", ex.Message);

        // Chat prompt with a plain completion: the completion is one assistant message after the generation prompt.
        string pc = Write(dir, "pc.jsonl", new JsonObject { ["prompt"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "2+2" }), ["chosen"] = "4", ["rejected"] = "5" });
        new ExamplePacker(Tok, new ExamplePackOptions { Kind = ExampleKind.Pairs, Chat = new BracketChat(Tok) }).Pack([pc], Path.Combine(dir, "pc"));
        using (var set = ExampleSet.Open(Path.Combine(dir, "pc")))
        {
            var (t, mask) = Doc(set, 1);
            Assert.Equal("[user]2+2\n[assistant]5\n", Text(t));
            Assert.Equal("5\n", new string(Text(t).Where((_, i) => mask[i] == 1).ToArray()));
        }
    }

    [Fact]
    public void Output_DoesNotDependOnThreads_AndRefusesToOverwrite()
    {
        string dir = Dir();
        var lines = Enumerable.Range(0, 300).Select(i => new JsonObject { ["prompt"] = $"p{i}", ["completion"] = new string('x', i % 13 + 1) }).ToArray();
        string input = Write(dir, "many.jsonl", lines);
        new ExamplePacker(Tok, new ExamplePackOptions { Threads = 1, BatchLines = 7 }).Pack([input], Path.Combine(dir, "a"));
        new ExamplePacker(Tok, new ExamplePackOptions { Threads = 3, BatchLines = 64 }).Pack([input], Path.Combine(dir, "b"));
        foreach (string f in new[] { "shard-00000.bin", "documents.bin", "examples.bin", "mask/side-00000.bin", "examples.json" })
        {
            string a = File.ReadAllText(Path.Combine(dir, "a", f)).Replace(Path.Combine(dir, "a"), "", StringComparison.Ordinal);
            string b = File.ReadAllText(Path.Combine(dir, "b", f)).Replace(Path.Combine(dir, "b"), "", StringComparison.Ordinal);
            Assert.Equal(a, b);
        }
        var ex = Assert.Throws<SiftException>(() => new ExamplePacker(Tok, new ExamplePackOptions()).Pack([input], Path.Combine(dir, "a")));
        Assert.Contains("already holds a dataset", ex.Message);
    }
}
