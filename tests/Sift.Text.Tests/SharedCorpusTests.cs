using System.Diagnostics;
using System.Text.Json;
using Sift.Text.Bpe;
using Xunit.Abstractions;

namespace Sift.Text.Tests;

/// <summary>Trains on the shared MATH test set when it is present (skipped quietly otherwise) and reports speeds.</summary>
public sealed class SharedCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Trains_4k_vocab_on_math_text_and_round_trips_it()
    {
        string? file = FindShared("data/math/test.jsonl");
        if (file is null)
        {
            output.WriteLine("shared data not found (set SIFT_SHARED); skipping");
            return;
        }
        var texts = new List<string>();
        foreach (string line in File.ReadLines(file))
        {
            using var doc = JsonDocument.Parse(line);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    texts.Add(p.Value.GetString()!);
                }
            }
        }
        long chars = texts.Sum(t => (long)t.Length);
        var sw = Stopwatch.StartNew();
        var tok = BpeTrainer.Train(texts, 4096, ["<|endoftext|>"]);
        output.WriteLine($"trained {tok.VocabSize} ids on {chars / 1e6:F1} M chars in {sw.Elapsed.TotalSeconds:F1} s");

        string all = string.Join("<|endoftext|>", texts);
        sw.Restart();
        int[] ids = tok.Encode(all);
        double secs = sw.Elapsed.TotalSeconds;
        long bytes = System.Text.Encoding.UTF8.GetByteCount(all);
        output.WriteLine($"encoded {bytes / 1e6:F1} MB into {ids.Length} tokens in {secs:F2} s ({bytes / 1e6 / secs:F1} MB/s, {bytes / (double)ids.Length:F2} bytes/token)");
        Assert.Equal(all, tok.Decode(ids));
        Assert.True(ids.Length < bytes / 2, "a 4k vocab should compress math text to more than 2 bytes per token");
    }

    private static string? FindShared(string relative)
    {
        string? root = Environment.GetEnvironmentVariable("SIFT_SHARED");
        if (root is null)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Sift.slnx")))
                {
                    root = Path.Combine(dir.FullName, "..", "shared");
                    break;
                }
            }
        }
        string? path = root is null ? null : Path.Combine(root, relative);
        return path is not null && File.Exists(path) ? path : null;
    }
}
