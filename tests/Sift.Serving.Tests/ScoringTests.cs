using System.Text.Json.Nodes;
using Sift.Data;
using Sift.Engine;
using Sift.Engine.Inference;
using Sift.Inference;
using Sift.Pipelines.Selective;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>Remote scoring: served prompt logprobs are the same numbers as local `sift score`.</summary>
public sealed class ScoringTests
{
    [Fact]
    public async Task ServedPromptLogprobs_EqualLocalSiftScoreLosses()
    {
        string dir = TinyModels.TempDir("score-eq");
        string model = TinyModels.Create(Path.Combine(dir, "m"));
        await using var s = await RunningServer.StartAsync(model);
        var tok = s.Model.Tokenizer!;
        var seqs = TinyModels.Corpus.Take(6).Select(t => (int[])[0, .. tok.Encode(t)]).ToList();
        string input = Path.Combine(dir, "in.jsonl"), output = Path.Combine(dir, "out.jsonl");
        File.WriteAllLines(input, seqs.Select(q => new JsonObject { ["tokens"] = new JsonArray(q.Select(x => (JsonNode)x).ToArray()) }.ToJsonString()));
        new JsonlScorer(s.Model).Run(input, output);
        var local = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!["losses"]!.AsArray().Select(x => (double)x!).ToArray()).ToList();

        using var ep = s.Endpoint();
        var client = new CompletionsClient(ep);
        var r = await client.CreateAsync(new CompletionRequest { Prompts = seqs.Select(CompletionPrompt.FromTokens).ToList(), MaxTokens = 0, Echo = true, Logprobs = 0 });
        using var session = new InferenceSession(s.Model.Model, 1, s.Model.Model.Config.MaxPositionEmbeddings, s.Model.Compute);
        for (int k = 0; k < seqs.Count; k++)
        {
            var served = r.Choices[k].Logprobs!.TokenLogprobs;
            Assert.Equal(seqs[k].Length, served.Length);
            Assert.Null(served[0]);
            // The JSONL scorer rounds to 6 decimals; the engine's own losses match the served values exactly.
            var exact = new float[seqs[k].Length];
            session.Reset(0);
            session.Prefill(0, seqs[k], new float[s.Model.Model.Config.VocabSize], exact);
            for (int j = 1; j < seqs[k].Length; j++)
            {
                Assert.Equal(local[k][j - 1], -served[j]!.Value, 5.5);
                Assert.Equal(-exact[j - 1], (float)served[j]!.Value);
            }
        }
    }

    private static CorpusScoreOptions Opts(int part = 0, int parts = 1) => new(SeqLen: 24, Batch: 4, DType: "float32", Part: part, Parts: parts);

    private static float[] Read(string data, string scores)
    {
        using var ds = TokenDataset.Open(data);
        using var rs = ReferenceScores.Open(scores, ds, 24);
        var v = new float[ds.TotalTokens];
        rs.Read(0, v);
        return v;
    }

    [Fact]
    public async Task RemoteCorpusScoring_InParts_EqualsLocalScoring()
    {
        string dir = TinyModels.TempDir("score-corpus");
        string model = TinyModels.Create(Path.Combine(dir, "m"));
        string data = Corpus.Pack(model, dir);
        await using var s = await RunningServer.StartAsync(model);
        using (var lm = LoadedModel.Open(model, 1, "managed"))
        {
            Assert.True(new CorpusScorer(lm.Model, lm.Compute, model).Run(data, Path.Combine(dir, "local"), Opts()).Complete);
        }
        using var ep = s.Endpoint(concurrency: 4);
        using var scorer = await RemoteWindowScorer.ConnectAsync(ep, batch: 8);
        Assert.Equal(127, scorer.MaxWindow);
        Assert.False(new CorpusScorer(scorer).Run(data, Path.Combine(dir, "remote"), Opts(1, 2)).Complete);
        Assert.True(new CorpusScorer(scorer).Run(data, Path.Combine(dir, "remote"), Opts(0, 2)).Complete);
        Assert.Equal("served:" + s.Server.ModelName, ScoresManifest.TryLoad(Path.Combine(dir, "remote"))!.ModelSha256);

        var a = Read(data, Path.Combine(dir, "local"));
        var b = Read(data, Path.Combine(dir, "remote"));
        Assert.Equal(a.Length, b.Length);
        Assert.Equal(0f, b[0]);
        // Training-graph forward (local) and KV-cache prefill (server) differ only in float rounding.
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) < 1e-4, $"position {i}: local {a[i]} served {b[i]}");
        }
        // A mix of sources in one folder is refused: the reference model's identity differs.
        var ex = Assert.Throws<Sift.Core.SiftException>(() =>
        {
            using var lm = LoadedModel.Open(model, 1, "managed");
            new CorpusScorer(lm.Model, lm.Compute, model).Run(data, Path.Combine(dir, "remote-mixed"), Opts(0, 2));
            new CorpusScorer(scorer).Run(data, Path.Combine(dir, "remote-mixed"), Opts(1, 2));
        });
        Assert.Contains("reference model", ex.Message);
    }

    [Fact]
    public async Task SeqLenBeyondTheServersContext_IsRefusedUpFront()
    {
        string dir = TinyModels.TempDir("score-ctx");
        string model = TinyModels.Create(Path.Combine(dir, "m"));
        string data = Corpus.Pack(model, dir);
        await using var s = await RunningServer.StartAsync(model, new ServeOptions { MaxModelLen = 24 });
        using var ep = s.Endpoint();
        using var scorer = await RemoteWindowScorer.ConnectAsync(ep, batch: 8);
        var ex = Assert.Throws<Sift.Core.SiftException>(() => new CorpusScorer(scorer).Run(data, Path.Combine(dir, "x"), Opts()));
        Assert.Contains("max_model_len 24", ex.Message);
    }
}
