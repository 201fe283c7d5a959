using System.Text.Json.Nodes;
using Sift.Engine.Inference;
using Sift.Inference;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>/v1/completions against a running server, through the client that also talks to vLLM.</summary>
public sealed class CompletionsTests : IAsyncLifetime
{
    private RunningServer _s = null!;
    private RemoteEndpoint _ep = null!;
    private CompletionsClient _client = null!;

    public async Task InitializeAsync()
    {
        _s = await RunningServer.StartAsync(TinyModels.Create(TinyModels.TempDir("completions")), new ServeOptions { MaxBatch = 4 });
        _ep = _s.Endpoint();
        _client = new CompletionsClient(_ep);
    }

    public async Task DisposeAsync()
    {
        _ep.Dispose();
        await _s.DisposeAsync();
    }

    private Task<CompletionResponse> Create(CompletionRequest r) => _client.CreateAsync(r);

    [Fact]
    public async Task GreedyText_EqualsTheLocalGenerator()
    {
        string[] prompts = ["Tom has 3", "The answer is", "Now he"];
        var local = new TextGenerator(_s.Model).Complete(prompts.Select(p => new TextPrompt { Text = p, MaxTokens = 12 }).ToList());
        var r = await Create(new CompletionRequest { Prompts = prompts.Select(CompletionPrompt.FromText).ToList(), MaxTokens = 12, Temperature = 0, ReturnTokenIds = true, Extra = new JsonObject { ["ignore_eos"] = false } });
        Assert.Equal(3, r.Choices.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, r.Choices[i].Index);
            Assert.Equal(local[i].Text, r.Choices[i].Text);
            Assert.Equal(local[i].Tokens, r.Choices[i].TokenIds);
            Assert.Equal(local[i].FinishReason, r.Choices[i].FinishReason);
        }
        Assert.Equal(local.Sum(l => l.PromptTokens), r.Usage!.PromptTokens);
        Assert.Equal(local.Sum(l => l.Tokens.Length), r.Usage.CompletionTokens);
    }

    [Fact]
    public async Task TokenIdPrompts_SingleAndBatch_AndTheirIdsComeBack()
    {
        var one = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromTokens([5, 6, 7])], MaxTokens = 4, Temperature = 0, ReturnTokenIds = true });
        Assert.Equal([5, 6, 7], one.Choices[0].PromptTokenIds!);
        var batch = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromTokens([5, 6, 7]), CompletionPrompt.FromTokens([9])], MaxTokens = 4, Temperature = 0, ReturnTokenIds = true });
        Assert.Equal(one.Choices[0].TokenIds, batch.Choices[0].TokenIds);
        Assert.Equal([9], batch.Choices[1].PromptTokenIds!);
        Assert.Equal(4, batch.Usage!.PromptTokens);
    }

    [Fact]
    public async Task NSamples_UseSeedPlusJ_AndAreReproducible()
    {
        var req = new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom")], MaxTokens = 8, Temperature = 1, N = 3, Seed = 100, ReturnTokenIds = true };
        var a = await Create(req);
        var b = await Create(req);
        Assert.Equal(3, a.Choices.Count);
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(a.Choices[j].TokenIds, b.Choices[j].TokenIds);
            var single = await Create(req with { N = 1, Seed = 100 + j });
            Assert.Equal(a.Choices[j].TokenIds, single.Choices[0].TokenIds);
        }
        Assert.True(a.Choices.Select(c => string.Join(",", c.TokenIds!)).Distinct().Count() > 1, "three samples at temperature 1 should not all be equal");
    }

    [Fact]
    public async Task NSamples_ComputeTheirPromptOnce()
    {
        var engine = _s.Server.Engine;
        long prompt0 = engine.PromptTokens, prefill0 = engine.PrefilledTokens;
        var r = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromText("Now he has the answer")], MaxTokens = 6, Temperature = 1, N = 6, Seed = 3, ReturnTokenIds = true });
        Assert.Equal(6, r.Choices.Count);
        long prompt = engine.PromptTokens - prompt0, prefill = engine.PrefilledTokens - prefill0;
        Assert.True(prefill > 0);
        Assert.Equal(6 * prefill, prompt);
    }

    [Fact]
    public async Task EchoWithMaxTokens0_ReturnsThePromptWithScores_FirstNull()
    {
        int[] ids = [3, 40, 41, 42, 7];
        var r = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromTokens(ids)], MaxTokens = 0, Echo = true, Logprobs = 2 });
        var c = Assert.Single(r.Choices);
        Assert.Equal("length", c.FinishReason);
        Assert.Equal(ids.Length, c.Logprobs!.Tokens.Length);
        Assert.Null(c.Logprobs.TokenLogprobs[0]);
        Assert.Null(c.Logprobs.TopLogprobs[0]);
        Assert.All(c.Logprobs.TokenLogprobs.Skip(1), v => Assert.True(v < 0));
        // vLLM's id-keyed field agrees with the legacy one.
        Assert.NotNull(c.PromptLogprobs);
        Assert.Null(c.PromptLogprobs![0]);
        for (int i = 1; i < ids.Length; i++)
        {
            Assert.Equal(c.Logprobs.TokenLogprobs[i], c.PromptLogprobs[i]![ids[i]].Logprob);
            Assert.True(c.PromptLogprobs[i]!.Count >= 2);
        }
        Assert.Equal(0, r.Usage!.CompletionTokens);
        Assert.Equal(_s.Model.Tokenizer!.Decode(ids), c.Text);
    }

    [Fact]
    public async Task Echo_WithGeneration_PromptEntriesThenGenerated()
    {
        var r = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 3, Echo = true, Logprobs = 0, Temperature = 0, ReturnTokenIds = true });
        var c = r.Choices[0];
        int promptLen = c.PromptTokenIds!.Length;
        Assert.Equal(promptLen + c.TokenIds!.Length, c.Logprobs!.Tokens.Length);
        Assert.StartsWith("Tom has", c.Text);
        Assert.Equal(0, c.Logprobs.TextOffset[0]);
        Assert.True(c.Logprobs.TextOffset.Zip(c.Logprobs.TextOffset.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public async Task StopStrings_CutTheText_AndFinishWithStop()
    {
        var free = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 30, Temperature = 0 });
        string text = free.Choices[0].Text;
        Assert.True(text.Length >= 6, $"need some text to cut: '{text}'");
        string stop = text.Substring(3, 2);
        var cut = await Create(new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 30, Temperature = 0, Stop = [stop] });
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut.Choices[0].Text);
        Assert.Equal("stop", cut.Choices[0].FinishReason);
    }

    [Fact]
    public async Task Streaming_AgreesWithNonStreaming()
    {
        foreach (var req in new[]
        {
            new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 20, Temperature = 0.8f, Seed = 5, Logprobs = 1 },
            new CompletionRequest { Prompts = [CompletionPrompt.FromText("The"), CompletionPrompt.FromText("Now")], MaxTokens = 15, Temperature = 1, N = 2, Seed = 9, Logprobs = 0, Echo = true },
            new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 30, Temperature = 0, Stop = ["e", "pp"] },
        })
        {
            var whole = await Create(req);
            var texts = new Dictionary<int, string>();
            var logprobs = new Dictionary<int, List<double?>>();
            var finish = new Dictionary<int, string?>();
            CompletionUsage? usage = null;
            await foreach (var chunk in _client.StreamAsync(req))
            {
                usage ??= chunk.Usage;
                foreach (var c in chunk.Choices)
                {
                    texts[c.Index] = texts.GetValueOrDefault(c.Index, "") + c.Text;
                    if (c.Logprobs is { } lp)
                    {
                        (logprobs.TryGetValue(c.Index, out var l) ? l : logprobs[c.Index] = []).AddRange(lp.TokenLogprobs);
                    }
                    if (c.FinishReason is not null)
                    {
                        finish[c.Index] = c.FinishReason;
                    }
                }
            }
            Assert.Equal(whole.Choices.Count, texts.Count);
            foreach (var c in whole.Choices)
            {
                Assert.Equal(c.Text, texts[c.Index]);
                Assert.Equal(c.FinishReason, finish[c.Index]);
                if (c.Logprobs is not null)
                {
                    Assert.Equal(c.Logprobs.TokenLogprobs, logprobs[c.Index]);
                }
            }
            Assert.Equal(whole.Usage, usage);
        }
    }

    [Fact]
    public async Task ConcurrentClients_AreBatched_AndGetTheSameTokensAsAlone()
    {
        var prompts = Enumerable.Range(0, 8).Select(i => CompletionPrompt.FromTokens([i + 3, 20, 30 + i])).ToList();
        var alone = new List<int[]>();
        foreach (var p in prompts)
        {
            alone.Add((await Create(new CompletionRequest { Prompts = [p], MaxTokens = 16, Temperature = 0, ReturnTokenIds = true })).Choices[0].TokenIds!);
        }
        long steps = _s.Server.Engine.Steps;
        var together = await Task.WhenAll(prompts.Select(p => Create(new CompletionRequest { Prompts = [p], MaxTokens = 16, Temperature = 0, ReturnTokenIds = true })));
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(alone[i], together[i].Choices[0].TokenIds);
        }
        // 8 requests of up to 15 decode steps each on 4 slots: batching needs far fewer than 8 × 15 steps.
        long used = _s.Server.Engine.Steps - steps;
        Assert.True(used < 8 * 15, $"{used} decode steps for 8 concurrent requests: they were not batched");
    }
}
