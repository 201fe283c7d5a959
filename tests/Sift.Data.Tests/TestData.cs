using System.Text;
using System.Text.Json;
using Sift.Text;

namespace Sift.Data.Tests;

/// <summary>A temp folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("sift-data").FullName;

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Deterministic synthetic corpora and the token stream a packer must produce from them.</summary>
internal static class TestData
{
    private static readonly string[] Words = ["the", "sum", "of", "x", "=", "42", "prime", "λ", "∑", "proof", "Euler", "ζ(2)", "and", "\"quoted\"", "tab\there"];

    /// <summary>Document texts of varied length (1 .. maxWords words, some multi-byte UTF-8).</summary>
    public static List<string> Documents(int count, int seed, int maxWords = 60)
    {
        var rng = new Random(seed);
        var docs = new List<string>(count);
        for (int d = 0; d < count; d++)
        {
            int n = 1 + rng.Next(maxWords);
            var sb = new StringBuilder();
            for (int w = 0; w < n; w++)
            {
                if (w > 0)
                {
                    sb.Append(rng.Next(12) == 0 ? '\n' : ' ');
                }
                sb.Append(Words[rng.Next(Words.Length)]);
            }
            docs.Add(sb.ToString());
        }
        return docs;
    }

    /// <summary>Writes documents as JSONL with extra fields around "text".</summary>
    public static string WriteJsonl(string path, IEnumerable<string> docs, string field = "text")
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        int i = 0;
        foreach (string d in docs)
        {
            w.Write(JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = i++, [field] = d, ["meta"] = new[] { 1, 2 } }));
            w.Write('\n');
        }
        return path;
    }

    /// <summary>The expected stream: each document's tokens followed by EOS (when the tokenizer has one).</summary>
    public static List<int> ExpectedStream(ITokenizer tok, IEnumerable<string> docs)
    {
        var all = new List<int>();
        foreach (string d in docs)
        {
            int[] ids = tok.Encode(d);
            if (ids.Length == 0)
            {
                continue;
            }
            all.AddRange(ids);
            if (tok.EosId is int e)
            {
                all.Add(e);
            }
        }
        return all;
    }

    public static int[] ReadAll(TokenDataset ds)
    {
        var all = new int[ds.TotalTokens];
        ds.ReadTokens(0, all);
        return all;
    }
}

/// <summary>An in-memory token stream for sampler tests.</summary>
internal sealed class ArrayTokenSource(int[] tokens) : ITokenSource
{
    public long TotalTokens => tokens.Length;

    public void ReadTokens(long start, Span<int> dest) => tokens.AsSpan((int)start, dest.Length).CopyTo(dest);
}
