using System.Text.Json.Nodes;
using Sift.Data;
using Sift.Text;

namespace Sift.Serving.Tests;

/// <summary>A packed dataset made with a model folder's own tokenizer.</summary>
internal static class Corpus
{
    public static string Pack(string modelDir, string outDir)
    {
        string input = Path.Combine(outDir, "corpus.jsonl");
        File.WriteAllLines(input, TinyModels.Corpus.Select(t => new JsonObject { ["text"] = t }.ToJsonString()));
        string data = Path.Combine(outDir, "data");
        new ShardPacker(TokenizerFactory.Load(modelDir), new PackOptions { Threads = 1 }).Pack([input], data);
        return data;
    }
}
