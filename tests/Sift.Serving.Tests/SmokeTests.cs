using Sift.Remote;

namespace Sift.Serving.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Completions_Text_And_Echo()
    {
        string dir = TinyModels.Create(TinyModels.TempDir("smoke"));
        await using var s = await RunningServer.StartAsync(dir);
        using var ep = s.Endpoint();
        var models = await ep.ListModelsAsync();
        Assert.Equal(s.Server.ModelName, Assert.Single(models).Id);
        var client = new CompletionsClient(ep);
        var r = await client.CreateAsync(new CompletionRequest { Prompts = [CompletionPrompt.FromText("Tom has")], MaxTokens = 5, Temperature = 0, Logprobs = 2, Echo = true });
        var c = Assert.Single(r.Choices);
        Assert.StartsWith("Tom has", c.Text);
        Assert.NotNull(c.Logprobs);
        Assert.Null(c.Logprobs!.TokenLogprobs[0]);
    }
}
