using System.Text.Json.Nodes;
using OpenAI.Chat;
using Sift.Inference.Chat;
using Sift.Remote;

namespace Sift.Serving.Tests;

/// <summary>/v1/chat/completions driven by the official OpenAI .NET SDK, as users point it at vLLM.</summary>
public sealed class ChatTests : IAsyncLifetime
{
    private RunningServer _s = null!;
    private RemoteEndpoint _ep = null!;
    private RemoteChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _s = await RunningServer.StartAsync(TinyModels.Create(TinyModels.TempDir("chat")));
        _ep = _s.Endpoint();
        _chat = new RemoteChatClient(_ep);
    }

    public async Task DisposeAsync()
    {
        _ep.Dispose();
        await _s.DisposeAsync();
    }

    private static readonly ChatTurn[] Conversation = [new("system", "Be brief."), new("user", "Tom has 3 apples")];

    [Fact]
    public async Task Sdk_Completes_WithTheDefaultTemplate_Usage_AndSeedDeterminism()
    {
        Assert.Equal("the default ChatML template", _s.Server.ChatTemplate);
        var req = new ChatRequest { Messages = Conversation, MaxTokens = 10, Temperature = 0.9f, Seed = 3 };
        var a = await _chat.CompleteAsync(req);
        var b = await _chat.CompleteAsync(req);
        Assert.Equal(a.Text, b.Text);
        Assert.True(a.CompletionTokens is > 0 and <= 10);
        Assert.Contains(a.FinishReason, new[] { "stop", "length" });
        // The prompt is the ChatML rendering, BOS first.
        var prompt = ChatPrompt.For(_s.Model, _ => { })!;
        int expected = prompt.Encode(Conversation.Select(t => new ChatMessageIn(t.Role, t.Content)).ToList(), true, false).Length;
        Assert.Equal(expected, a.PromptTokens);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nTom has 3 apples<|im_end|>\n<|im_start|>assistant\n",
            prompt.Render(Conversation.Select(t => new ChatMessageIn(t.Role, t.Content)).ToList(), true, false));
    }

    [Fact]
    public async Task Sdk_Logprobs_And_TopLogprobs()
    {
        var s = await _chat.CompleteAsync(new ChatRequest { Messages = Conversation, MaxTokens = 6, Temperature = 0, Logprobs = true, TopLogprobs = 3 });
        Assert.NotNull(s.Logprobs);
        Assert.Equal(s.CompletionTokens, s.Logprobs!.Count);
        foreach (var t in s.Logprobs)
        {
            Assert.True(t.Logprob <= 0);
            Assert.Equal(3, t.Top.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(t.Top[0].Value, t.Logprob, 5);
        }
    }

    [Fact]
    public async Task Sdk_Streaming_AgreesWithNonStreaming()
    {
        var req = new ChatRequest { Messages = Conversation, MaxTokens = 12, Temperature = 1, Seed = 11, Logprobs = true };
        var whole = await _chat.CompleteAsync(req);
        var text = new System.Text.StringBuilder();
        var lps = new List<double>();
        ChatFinishReason? finish = null;
        int? outTokens = null;
        await foreach (var u in _chat.StreamAsync(req))
        {
            foreach (var part in u.ContentUpdate)
            {
                text.Append(part.Text);
            }
            lps.AddRange(u.ContentTokenLogProbabilities.Select(x => (double)x.LogProbability));
            finish ??= u.FinishReason;
            outTokens ??= u.Usage?.OutputTokenCount;
        }
        Assert.Equal(whole.Text, text.ToString());
        Assert.Equal(whole.FinishReason, RemoteChatClient.FinishOf(finish));
        Assert.Equal(whole.Logprobs!.Select(l => l.Logprob), lps);
        Assert.Equal(whole.CompletionTokens, outTokens);
    }

    [Fact]
    public async Task Sdk_NSamples_AreSeedPlusJ()
    {
        var samples = await _chat.SampleAsync(new ChatRequest { Messages = Conversation, MaxTokens = 8, Temperature = 1, Seed = 40 }, 3);
        Assert.Equal(3, samples.Length);
        var again = await _chat.CompleteAsync(new ChatRequest { Messages = Conversation, MaxTokens = 8, Temperature = 1, Seed = 42 });
        Assert.Equal(samples[2].Text, again.Text);
    }

    [Fact]
    public async Task Raw_N_MaxTokensAliases_AndStreamShape()
    {
        string body = new JsonObject
        {
            ["model"] = _s.Server.ModelName,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Tom" }) }),
            ["n"] = 2,
            ["max_tokens"] = 5,
            ["seed"] = 1,
        }.ToJsonString();
        var (status, json, _) = await Raw.PostAsync(_s.Server, "chat/completions", body);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("chat.completion", (string)json!["object"]!);
        Assert.Equal(2, json["choices"]!.AsArray().Count);
        Assert.Equal("assistant", (string)json["choices"]![1]!["message"]!["role"]!);
        string both = body.Replace("\"max_tokens\":5", "\"max_tokens\":5,\"max_completion_tokens\":5", StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Raw.PostAsync(_s.Server, "chat/completions", both)).Status);
        var (events, done) = await Raw.StreamAsync(_s.Server, "chat/completions", body.Replace("\"seed\":1", "\"seed\":1,\"stream\":true,\"stream_options\":{\"include_usage\":true}", StringComparison.Ordinal));
        Assert.True(done);
        Assert.All(events.Take(events.Count - 1), e => Assert.Equal("chat.completion.chunk", (string)e["object"]!));
        Assert.Equal(2, events.Count(e => e["choices"]!.AsArray().Any(c => c!["delta"]!["role"] is not null)));
        Assert.Equal(2, events.Count(e => e["choices"]!.AsArray().Any(c => c!["finish_reason"] is not null)));
        Assert.NotNull(events[^1]["usage"]);
    }
}

/// <summary>A model whose tokenizer_config.json carries a chat template: the server renders it, not the default.</summary>
public sealed class ChatTemplateFromConfigTests
{
    [Fact]
    public async Task ModelTemplate_IsRendered_AndTemplateErrorsAre400()
    {
        const string template = "{% for m in messages %}{% if m['role'] == 'user' %}{{ 'Q: ' + m['content'] + '\n' }}{% elif m['role'] == 'assistant' %}{{ 'A: ' + m['content'] + eos_token }}{% else %}{{ raise_exception('only user and assistant turns') }}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'A:' }}{% endif %}";
        string dir = TinyModels.Create(TinyModels.TempDir("chat-template"), chatTemplate: template);
        await using var s = await RunningServer.StartAsync(dir);
        Assert.Equal("the model's chat_template (tokenizer_config.json)", s.Server.ChatTemplate);
        using var ep = s.Endpoint();
        var chat = new RemoteChatClient(ep);
        var r = await chat.CompleteAsync(new ChatRequest { Messages = [new("user", "Tom has 3 apples")], MaxTokens = 3, Temperature = 0 });
        Assert.Equal(s.Model.Tokenizer!.Encode("Q: Tom has 3 apples\nA:", allowSpecial: true).Length, r.PromptTokens);
        var ex = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            chat.Sdk.CompleteChatAsync([new SystemChatMessage("x"), new UserChatMessage("y")]));
        Assert.Equal(400, ex.Status);
        Assert.Contains("only user and assistant turns", ex.Message);
    }
}
