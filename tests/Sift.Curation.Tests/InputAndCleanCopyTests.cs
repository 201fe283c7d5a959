using System.Security.Cryptography;
using Sift.Core;
using Sift.Curation.Decontamination;
using Sift.Curation.Input;
using Sift.Eval.Datasets;

namespace Sift.Curation.Tests;

public sealed class InputAndCleanCopyTests
{
    private static readonly BenchmarkInput Bench = new("mine", null,
    [
        new BenchmarkItem(0, 1, "Tom's garden has 12 rows of tomato plants with 8 plants in each row. How many tomato plants are there?"),
        new BenchmarkItem(1, 2, "A train travels 240 kilometres in 3 hours. How far does it travel in 5 hours?"),
    ]);

    private static List<TextItem> Read(TextSource s, BadLinePolicy policy, ReadReport? report = null) =>
        [.. TextItemReader.Read(s, policy, report ?? new ReadReport())];

    [Theory]
    [InlineData("{\"question\": \"a\"}\n{\"text\": \"b\", \"id\": 2}\n", "t.jsonl:2: field \"question\" missing (the record has text, id)")]
    [InlineData("{\"question\": \"a\"}\n\n{\"question\": \n", "t.jsonl:3: invalid JSON")]
    [InlineData("[1, 2]\n", "t.jsonl:1: expected a JSON object, found an array")]
    [InlineData("{\"question\": [\"x\"]}\n", "t.jsonl:1: field \"question\" is an array; expected a string")]
    [InlineData("{\"question\": null}\n", "t.jsonl:1: field \"question\" is null; expected a string")]
    public void BadLines_NameFileLineAndField(string content, string message)
    {
        string path = TestFiles.Raw(TestFiles.Dir(), "t.jsonl", content);
        var ex = Assert.Throws<SiftException>(() => Read(new TextSource { Path = path, Fields = ["question"] }, BadLinePolicy.Abort));
        Assert.Contains(message, ex.Message.Replace(Path.GetDirectoryName(path)! + "/", "", StringComparison.Ordinal));
    }

    [Fact]
    public void SeveralFields_AreJoined_NumbersAccepted_BlankLinesIgnored()
    {
        string path = TestFiles.Raw(TestFiles.Dir(), "t.jsonl", "{\"question\": \"How many?\", \"answer\": 42}\n\n  \n{\"answer\": \"x\", \"question\": \"Why\"}");
        var items = Read(new TextSource { Path = path, Fields = ["question", "answer"] }, BadLinePolicy.Abort);
        Assert.Equal(["How many?\n42", "Why\nx"], items.Select(i => i.Text));
        Assert.Equal([1, 4], items.Select(i => i.FirstLine));
        Assert.Equal([0, 1], items.Select(i => i.Index));
    }

    [Fact]
    public void PlainText_ByLine_AndByBlankLineBlock()
    {
        string path = TestFiles.Raw(TestFiles.Dir(), "t.txt", "first item\r\nsecond item\n\n\nthird\nstill third\n");
        Assert.Equal(["first item", "second item", "third", "still third"], Read(new TextSource { Path = path }, BadLinePolicy.Abort).Select(i => i.Text));
        var blocks = Read(new TextSource { Path = path, Split = TextSplit.BlankLine }, BadLinePolicy.Abort);
        Assert.Equal(["first item\nsecond item", "third\nstill third"], blocks.Select(i => i.Text));
        Assert.Equal([(1, 2), (5, 6)], blocks.Select(b => (b.FirstLine, b.LastLine)));
    }

    [Fact]
    public void CleanCopy_DropsFlaggedItems_CopiesTheRestByteForByte_LeavesTheOriginal()
    {
        string dir = TestFiles.Dir();
        // A byte-order mark, CRLF and LF endings, a blank line and no final newline.
        string content = "\uFEFF{\"text\": \"Cooking pasta takes water and salt.\"}\r\n" +
            "{\"text\": \"Tom's garden has 14 rows of tomato plants with 9 plants in each row. How many tomato plants are there?\"}\n" +
            "\n" +
            "{\"text\": \"The museum opens at nine.\", \"extra\": [1, 2]}\r\n" +
            "{\"text\": \"A train travels 240 kilometres in 4 hours. How far does it travel in 6 hours?\"}\n" +
            "{\"text\": \"Birds migrate south.\"}";
        string train = TestFiles.Raw(dir, "train.jsonl", content);
        byte[] before = File.ReadAllBytes(train);
        var run = Decontaminator.Run(new TextSource { Path = train }, [Bench], new DecontaminationOptions());
        Assert.Equal([1, 3], run.Report.Flagged.Select(f => f.TrainIndex));
        string clean = Path.Combine(dir, "out", "clean.jsonl");
        Assert.Equal(2, CleanCopy.Write(run, clean));
        string expected = "\uFEFF{\"text\": \"Cooking pasta takes water and salt.\"}\r\n" +
            "\n" +
            "{\"text\": \"The museum opens at nine.\", \"extra\": [1, 2]}\r\n" +
            "{\"text\": \"Birds migrate south.\"}";
        Assert.Equal(new System.Text.UTF8Encoding(false).GetBytes(expected), File.ReadAllBytes(clean));
        Assert.Equal(SHA256.HashData(before), SHA256.HashData(File.ReadAllBytes(train)));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "out"), "*.tmp"));
        var ex = Assert.Throws<SiftException>(() => CleanCopy.Write(run, train));
        Assert.Contains("never modified", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(train));
    }

    [Fact]
    public void CleanCopy_OfTextBlocks_RemovesTheBlockAndItsSeparator()
    {
        string dir = TestFiles.Dir();
        string train = TestFiles.Raw(dir, "train.txt",
            "Cooking pasta\ntakes water.\n\nA train travels 240 kilometres in 4 hours.\nHow far does it travel in 6 hours?\n\n\nBirds migrate.\n");
        var run = Decontaminator.Run(new TextSource { Path = train, Split = TextSplit.BlankLine }, [Bench], new DecontaminationOptions());
        Assert.Equal(1, Assert.Single(run.Report.Flagged).TrainIndex);
        string clean = Path.Combine(dir, "clean.txt");
        CleanCopy.Write(run, clean);
        Assert.Equal("Cooking pasta\ntakes water.\n\nBirds migrate.\n", File.ReadAllText(clean));
    }

    [Fact]
    public void SkippedBadLines_AreCountedReported_AndLeftOutOfTheCleanCopy()
    {
        string dir = TestFiles.Dir();
        string train = TestFiles.Raw(dir, "train.jsonl",
            "{\"text\": \"Birds migrate south.\"}\n{\"text\": \n{\"other\": 1}\n{\"text\": \"The museum opens at nine.\"}\n");
        var options = new DecontaminationOptions { BadLines = BadLinePolicy.Skip };
        var run = Decontaminator.Run(new TextSource { Path = train }, [Bench], options);
        Assert.Equal((2, 2), (run.Report.Training.Items, run.Report.Training.SkippedLines));
        Assert.Empty(run.Report.Flagged);
        string clean = Path.Combine(dir, "clean.jsonl");
        CleanCopy.Write(run, clean);
        Assert.Equal("{\"text\": \"Birds migrate south.\"}\n{\"text\": \"The museum opens at nine.\"}\n", File.ReadAllText(clean));
        var report = new ReadReport();
        Read(new TextSource { Path = train }, BadLinePolicy.Skip, report);
        Assert.Equal([2, 3], report.SkippedLines);
        Assert.Contains("train.jsonl:3: field \"text\" missing", report.Problems[1]);
    }

    [Fact]
    public void Report_IsWrittenAsJsonAndMarkdown()
    {
        string dir = TestFiles.Dir();
        string train = TestFiles.Raw(dir, "train.txt", "A train travels 240 kilometres in 4 hours. How | far does it travel in 6 hours?\nBirds.\n");
        var run = Decontaminator.Run(new TextSource { Path = train }, [Bench], new DecontaminationOptions());
        var (json, md) = ReportWriter.Write(run.Report, Path.Combine(dir, "report"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(0, (int)Assert.Single(node["flagged"]!.AsArray())!["train_index"]!);
        Assert.Equal("text", (string)node["training"]!["format"]!);
        Assert.Equal(0.5, (double)node["settings"]!["unigram_threshold"]!);
        string text = File.ReadAllText(md);
        Assert.Contains("| mine | 2 | 1 | 1 |", text);
        Assert.Contains("How \\| far", text);
    }
}
