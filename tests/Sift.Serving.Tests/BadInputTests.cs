using System.Net;
using System.Text.Json.Nodes;

namespace Sift.Serving.Tests;

/// <summary>Every kind of bad input gets a 400 with an OpenAI-shaped error naming the problem; never a 500.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private RunningServer _s = null!;
    private RunningServer _noTok = null!;

    public async Task InitializeAsync()
    {
        _s = await RunningServer.StartAsync(TinyModels.Create(TinyModels.TempDir("bad")), new ServeOptions { MaxBodyBytes = 64 * 1024, MaxQueue = 64 });
        _noTok = await RunningServer.StartAsync(TinyModels.Create(TinyModels.TempDir("notok"), tokenizer: false));
    }

    public async Task DisposeAsync()
    {
        await _s.DisposeAsync();
        await _noTok.DisposeAsync();
    }

    private async Task Bad(string path, string body, string mustContain, HttpStatusCode status = HttpStatusCode.BadRequest, RunningServer? on = null)
    {
        var (code, json, _) = await Raw.PostAsync((on ?? _s).Server, path, body);
        Assert.True(code == status, $"{body} → {(int)code} {json?.ToJsonString()}");
        var err = json!["error"]!;
        Assert.Contains(mustContain, (string)err["message"]!, StringComparison.Ordinal);
        Assert.NotNull(err["type"]);
    }

    [Theory]
    [InlineData("{\"prompt\": \"a\", ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("", "body is empty")]
    [InlineData("{\"max_tokens\": 5}", "'prompt' is required")]
    [InlineData("{\"prompt\": 5}", "'prompt' must be a string")]
    [InlineData("{\"prompt\": []}", "empty array")]
    [InlineData("{\"prompt\": [[]]}", "empty token list")]
    [InlineData("{\"prompt\": [1, \"x\"]}", "'prompt[1]' must be an integer token id")]
    [InlineData("{\"prompt\": [1, 2.5]}", "'prompt[1]' must be an integer")]
    [InlineData("{\"prompt\": [1, 99999]}", "token id 99999 is outside the vocabulary (0..299)")]
    [InlineData("{\"prompt\": [1, -1]}", "token id -1 is outside the vocabulary")]
    [InlineData("{\"prompt\": [\"a\", [1]]}", "'prompt[1]' must be a string")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": -1}", "'max_tokens' must be between 0")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": 1e30}", "'max_tokens' must be between")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": 99999999999999999999999}", "'max_tokens' must be")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": \"10\"}", "'max_tokens' must be an integer, got the string \"10\"")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": 100000}", "maximum context length is 128 tokens")]
    [InlineData("{\"prompt\": \"a\", \"max_tokens\": 0}", "only allowed with echo")]
    [InlineData("{\"prompt\": \"a\", \"temperature\": -0.5}", "'temperature' must be between 0 and 2")]
    [InlineData("{\"prompt\": \"a\", \"temperature\": true}", "'temperature' must be a number")]
    [InlineData("{\"prompt\": \"a\", \"top_p\": 0}", "'top_p' must be greater than 0")]
    [InlineData("{\"prompt\": \"a\", \"n\": 0}", "'n' must be between 1 and 128")]
    [InlineData("{\"prompt\": \"a\", \"n\": 100}", "this server queues at most 64")]
    [InlineData("{\"prompt\": \"a\", \"logprobs\": 21}", "'logprobs' must be between 0 and 20")]
    [InlineData("{\"prompt\": \"a\", \"stop\": 3}", "'stop' must be a string or an array of strings")]
    [InlineData("{\"prompt\": \"a\", \"stop\": [\"\"]}", "'stop[0]' must be 1 to 1000 characters")]
    [InlineData("{\"prompt\": \"a\", \"echo\": \"yes\"}", "'echo' must be true or false")]
    [InlineData("{\"prompt\": \"a\", \"seed\": \"x\"}", "'seed' must be a 64-bit integer")]
    [InlineData("{\"prompt\": \"a\", \"max_token\": 5}", "unknown field 'max_token'")]
    [InlineData("{\"prompt\": \"a\", \"presence_penalty\": 0.5}", "'presence_penalty' is not supported")]
    [InlineData("{\"prompt\": \"a\", \"logit_bias\": {\"5\": 1}}", "'logit_bias' is not supported")]
    [InlineData("{\"prompt\": \"a\", \"best_of\": 3}", "'best_of' 3 is not supported")]
    [InlineData("{\"prompt\": \"a\", \"stream\": true, \"prompt_logprobs\": 1}", "not supported with stream")]
    [InlineData("{\"prompt\": \"a\", \"stream_options\": {\"include_usage\": 1}}", "'stream_options.include_usage' must be true or false")]
    [InlineData("{\"prompt\": \"a\", \"suffix\": \"b\"}", "'suffix' is not supported")]
    public Task Completions(string body, string message) => Bad("completions", body, message);

    [Fact]
    public async Task PromptLongerThanTheContext()
    {
        string ids = string.Join(",", Enumerable.Repeat(5, 129));
        await Bad("completions", $"{{\"prompt\": [{ids}], \"max_tokens\": 1}}", "has 129 tokens, more than the model's context of 128");
        string words = string.Concat(Enumerable.Repeat("apples and ", 200));
        await Bad("completions", $"{{\"prompt\": \"{words}\"}}", "more than the model's context of 128");
        string ids100 = string.Join(",", Enumerable.Repeat(5, 100));
        await Bad("completions", $"{{\"prompt\": [{ids100}], \"max_tokens\": 50}}", "the request needs 150 (100 in the prompt, 50 for the completion)");
    }

    [Fact]
    public async Task OversizedBody_Is400_NotADroppedConnection()
    {
        string big = new('a', 70 * 1024);
        await Bad("completions", $"{{\"prompt\": \"{big}\"}}", "at most 65536");
        // Without Content-Length (chunked), the limit still holds.
        var req = new HttpRequestMessage(HttpMethod.Post, new Uri(_s.Server.BaseUrl, "completions"))
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"{{\"prompt\": \"{big}\"}}"))),
        };
        req.Headers.TransferEncodingChunked = true;
        using var http = new HttpClient();
        var resp = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains("larger than 65536 bytes", await resp.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{\"messages\": []}", "'messages' is empty")]
    [InlineData("{}", "'messages' is required")]
    [InlineData("{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}", "must be system, developer, user or assistant")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}", "'messages[0].content' is required")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", "must be a string or an array of text parts")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}", "must be \"text\"")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"tool_calls\": []}]}", "unknown field 'messages[0].tool_calls'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_completion_tokens\": 0}", "'max_completion_tokens' must be between 1")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 3, \"max_completion_tokens\": 4}", "disagree")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_logprobs\": 2}", "needs 'logprobs': true")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{\"type\": \"function\"}]}", "does not do tool calling")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": {\"type\": \"json_object\"}}", "no constrained decoding")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 1000}", "maximum context length")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"continue_final_message\": true}", "final message to be from the assistant")]
    public Task Chat(string body, string message) => Bad("chat/completions", body, message);

    [Fact]
    public async Task UnknownModel_Is404_UnknownRoute_Is404()
    {
        await Bad("completions", "{\"model\": \"gpt-4\", \"prompt\": \"a\"}", "the model 'gpt-4' does not exist", HttpStatusCode.NotFound);
        var (code, json, _) = await Raw.PostAsync(_s.Server, "embeddings", "{}");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Contains("POST /v1/completions", (string)json!["error"]!["message"]!);
        var (get, getJson, _) = await Raw.SendAsync(_s.Server, HttpMethod.Get, "completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get);
        Assert.Equal("method_not_allowed", (string)getJson!["error"]!["code"]!);
    }

    [Fact]
    public async Task FolderWithoutTokenizer_ServesTokenIds_AndRefusesText()
    {
        var (ok, json, _) = await Raw.PostAsync(_noTok.Server, "completions", "{\"prompt\": [1, 2, 3], \"max_tokens\": 3, \"temperature\": 0, \"logprobs\": 0}");
        Assert.Equal(HttpStatusCode.OK, ok);
        var tokens = json!["choices"]![0]!["logprobs"]!["tokens"]!.AsArray();
        Assert.All(tokens, t => Assert.StartsWith("token_id:", (string)t!));
        await Bad("completions", "{\"prompt\": \"hello\"}", "has no tokenizer.json; send token ids", on: _noTok);
        await Bad("completions", "{\"prompt\": [1], \"stop\": \"x\"}", "need a tokenizer", on: _noTok);
        await Bad("chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", "chat needs a tokenizer", on: _noTok);
    }

    [Fact]
    public async Task AfterAllThat_TheServerStillServes_AndCountedNo500()
    {
        var (code, _, _) = await Raw.PostAsync(_s.Server, "completions", "{\"prompt\": \"Tom\", \"max_tokens\": 2}");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(0, _s.Server.Metrics.Count(500));
    }
}

/// <summary>The API key is required on every route when configured.</summary>
public sealed class AuthTests
{
    [Fact]
    public async Task KeyIsEnforcedOnEveryRoute()
    {
        string dir = TinyModels.Create(TinyModels.TempDir("auth"));
        await using var s = await RunningServer.StartAsync(dir, new ServeOptions { ApiKey = "s3cret" });
        foreach (var (method, path, body) in new[] { (HttpMethod.Get, "models", (string?)null), (HttpMethod.Post, "completions", "{\"prompt\": \"a\"}"),
            (HttpMethod.Post, "chat/completions", "{\"messages\": []}"), (HttpMethod.Get, "../metrics", null), (HttpMethod.Get, "../health", null), (HttpMethod.Get, "nowhere", null) })
        {
            foreach (string? key in new[] { null, "wrong", "s3cret " + "x" })
            {
                var (code, json, _) = await Raw.SendAsync(s.Server, method, path, body, key);
                Assert.Equal(HttpStatusCode.Unauthorized, code);
                Assert.Equal("invalid_api_key", (string)json!["error"]!["code"]!);
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await Raw.SendAsync(s.Server, HttpMethod.Get, "models", key: "s3cret")).Status);
        // The SDK and the HTTP client send the key from the endpoint options.
        using var good = s.Endpoint("s3cret");
        Assert.Single(await good.ListModelsAsync());
        var r = await new Sift.Remote.RemoteChatClient(good).CompleteAsync(new Sift.Remote.ChatRequest { Messages = [new("user", "hi")], MaxTokens = 2 });
        Assert.True(r.CompletionTokens > 0);
        using var bad = s.Endpoint("nope");
        var ex = await Assert.ThrowsAsync<Sift.Remote.RemoteHttpException>(() => new Sift.Remote.CompletionsClient(bad).CreateAsync(new Sift.Remote.CompletionRequest { Prompts = [Sift.Remote.CompletionPrompt.FromText("a")] }));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Status);
        Assert.Equal(0, bad.Retries);
    }

    [Fact]
    public void BindsToLoopbackByDefault()
    {
        Assert.Equal(System.Net.IPAddress.Loopback, new ServeOptions().BindAddress());
        Assert.Throws<Sift.Core.SiftException>(() => new ServeOptions { Host = "my-host" }.Validate());
    }
}
