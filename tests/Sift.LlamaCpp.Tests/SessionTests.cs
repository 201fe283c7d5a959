using Sift.Engine.Inference;
using Sift.Engine.Model;
using Sift.Inference;
using Sift.LlamaCpp.Backend;
using Sift.LlamaCpp.Gguf;
using Xunit.Abstractions;

namespace Sift.LlamaCpp.Tests;

/// <summary>
/// llama.cpp's multi-sequence session behind the same <see cref="IDecodeSession"/> as Sift's engine: batched steps,
/// shared prompts and per-row prefill give the one-sequence logits, and generation over it equals Sift's.
/// </summary>
public sealed class SessionTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TinyCheckpoints.TempDir("session");

    private static readonly int[][] Prompts = [[1, 17, 40, 3, 99], [1, 17, 40, 3, 99], [5, 250, 7], [12, 64, 200, 5, 33, 180, 2]];

    private bool Skip()
    {
        if (LlamaCppModel.NativeUnavailableReason() is { } why)
        {
            output.WriteLine($"SKIPPED: {why}");
            return true;
        }
        return false;
    }

    private string Gguf()
    {
        TinyCheckpoints.Write(_dir, ModelArchitecture.Qwen2ForCausalLM);
        string gguf = Path.Combine(_dir, "model.gguf");
        GgufExporter.Export(_dir, gguf, GgmlType.F32);
        return gguf;
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            m = MathF.Max(m, MathF.Abs(a[i] - b[i]));
        }
        return m;
    }

    /// <summary>Three sequences prefilled, one forked from another, then stepped together: every row equals that sequence's full-sequence logits.</summary>
    [Fact]
    public void BatchedSteps_AndForkedPrefixes_EqualOneSequenceLogits()
    {
        if (Skip())
        {
            return;
        }
        using var cpp = LlamaCppModel.Open(Gguf(), threads: 2, contextSize: 64);
        int v = cpp.VocabSize;
        int[][] seqs = [[1, 17, 40, 3, 99, 8, 150, 41], [1, 17, 40, 3, 99, 260, 90, 2], [5, 250, 7, 7, 12, 64, 33, 180]];
        var full = seqs.Select(s => cpp.Logits(s)).ToArray();
        using var session = cpp.OpenSession(3, 32);
        var last = new float[v];
        session.Prefill(0, seqs[0].AsSpan(0, 5), last);
        Assert.True(MaxAbsDiff(last, full[0].AsSpan(4 * v, v)) < 1e-4f);
        session.ForkPrefix(0, 1, 5); // sequence 1 shares sequence 0's first five tokens
        var rows = new List<float[]>();
        session.Prefill(2, seqs[2].AsSpan(0, 5), last, (i, row) => rows.Add(row.ToArray()));
        for (int i = 0; i < 5; i++)
        {
            Assert.True(MaxAbsDiff(rows[i], full[2].AsSpan(i * v, v)) < 1e-4f, $"prefill row {i}");
        }
        var logits = new float[3 * v];
        for (int t = 5; t < 8; t++)
        {
            session.Step([0, 1, 2], [seqs[0][t], seqs[1][t], seqs[2][t]], logits);
            for (int s = 0; s < 3; s++)
            {
                float d = MaxAbsDiff(logits.AsSpan(s * v, v), full[s].AsSpan(t * v, v));
                Assert.True(d < 1e-4f, $"sequence {s} position {t}: {d}");
            }
        }
        // Dropping a slot's tail (fork onto itself) and continuing differently.
        session.ForkPrefix(1, 1, 5);
        session.Step([1], [seqs[0][5]], logits);
        Assert.True(MaxAbsDiff(logits.AsSpan(0, v), full[0].AsSpan(5 * v, v)) < 1e-4f);
        session.Reset(2);
        session.Prefill(2, seqs[1], last);
        Assert.True(MaxAbsDiff(last, full[1].AsSpan(7 * v, v)) < 1e-4f);
    }

    /// <summary>Batched generation over llama.cpp (shared prompts, four slots) gives Sift's engine's greedy tokens, and sampling does not depend on the batch.</summary>
    [Fact]
    public void Generation_OverLlamaCpp_EqualsSiftEngine()
    {
        if (Skip())
        {
            return;
        }
        string gguf = Gguf();
        using var cpp = LlamaCppModel.Open(gguf, threads: 2, contextSize: 64);
        using var sift = LoadedModel.Open(_dir);
        var greedy = Prompts.Select((p, i) => new GenerationRequest(p, 12, new SamplingOptions { Temperature = 0 }, (ulong)i)).ToList();
        using var a = new Generator(cpp.OpenSession(4, 64), ownsSession: true);
        using var b = new Generator(sift.OpenSession(4, 64), ownsSession: true);
        var ra = a.Generate(greedy);
        var rb = b.Generate(greedy);
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(rb[i].Tokens, ra[i].Tokens);
        }
        Assert.True(a.PrefillTokens < Prompts.Sum(p => p.Length), "the repeated prompt is computed once");
        var sampled = Prompts.Select((p, i) => new GenerationRequest(p, 12, new SamplingOptions { Temperature = 0.8f, TopP = 0.95f }, (ulong)(100 + i))).ToList();
        using var one = new Generator(cpp.OpenSession(1, 64), ownsSession: true);
        var batched = a.Generate(sampled);
        var single = one.Generate(sampled);
        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(single[i].Tokens, batched[i].Tokens);
        }
    }

    /// <summary>The GGUF's tokenizer as a Sift tokenizer: text round-trips and equals the model folder's ids.</summary>
    [Fact]
    public void Tokenizer_RoundTrips_AndMatchesTheFolderTokenizer()
    {
        if (Skip())
        {
            return;
        }
        using var cpp = LlamaCppModel.Open(Gguf(), threads: 1, contextSize: 32);
        using var sift = LoadedModel.Open(_dir);
        var tok = cpp.Tokenizer!;
        const string text = "Tom has 7 apples and buys 3 more. The answer is 10.";
        Assert.Equal(sift.Tokenizer!.Encode(text), tok.Encode(text));
        Assert.Equal(text, tok.Decode(tok.Encode(text)));
        Assert.Equal(64, tok.Fingerprint.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([cpp.VocabSize]));
        Assert.Contains(sift.EosId!.Value, cpp.StopIds);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}

/// <summary>`sift serve --backend llamacpp`: the OpenAI server over a GGUF file answers as batched generation does.</summary>
public sealed class ServeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TinyCheckpoints.TempDir("serve");

    [Fact]
    public async Task Completions_OverLlamaCpp_EqualTheGenerator()
    {
        if (LlamaCppModel.NativeUnavailableReason() is { } why)
        {
            output.WriteLine($"SKIPPED: {why}");
            return;
        }
        TinyCheckpoints.Write(_dir, ModelArchitecture.LlamaForCausalLM);
        string gguf = Path.Combine(_dir, "model.gguf");
        GgufExporter.Export(_dir, gguf, GgmlType.F32);
        using var reference = LlamaCppModel.Open(gguf, threads: 1, contextSize: 64);
        var prompt = new TextPrompt { Text = "Tom has 3 apples", MaxTokens = 10, Sampling = new SamplingOptions { Temperature = 0 } };
        var expected = new TextGenerator(reference).Complete([prompt])[0];

        var model = LlamaCppModel.Open(gguf, threads: 1, contextSize: 64);
        await using var server = await Sift.Serving.SiftServer.StartAsync(model, new Sift.Serving.ServeOptions { Port = 0, MaxBatch = 4, Log = _ => { } }, ownsModel: true);
        using var http = new HttpClient { BaseAddress = server.BaseUrl };
        var body = new StringContent("{\"model\": \"" + server.ModelName + "\", \"prompt\": \"Tom has 3 apples\", \"max_tokens\": 10, \"temperature\": 0, \"n\": 3}",
            System.Text.Encoding.UTF8, "application/json");
        var response = await http.PostAsync("completions", body);
        string json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, json);
        var choices = System.Text.Json.Nodes.JsonNode.Parse(json)!["choices"]!.AsArray();
        Assert.Equal(3, choices.Count);
        Assert.All(choices, c => Assert.Equal(expected.Text, (string?)c!["text"]));
        Assert.Equal(expected.Tokens.Length, (int)System.Text.Json.Nodes.JsonNode.Parse(json)!["usage"]!["completion_tokens"]! / 3);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
