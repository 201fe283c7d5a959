using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Sift.Serving.Tests;

/// <summary>Plain HTTP against the server, for what typed clients would refuse to send.</summary>
internal static class Raw
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        SiftServer s, HttpMethod method, string path, string? body = null, string? key = null, byte[]? bytes = null)
    {
        var req = new HttpRequestMessage(method, new Uri(s.BaseUrl, path));
        if (bytes is not null || body is not null)
        {
            req.Content = new ByteArrayContent(bytes ?? Encoding.UTF8.GetBytes(body!));
            req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        if (key is not null)
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        var resp = await Http.SendAsync(req).ConfigureAwait(false);
        string text = await resp.Content.ReadAsStringAsync().ConfigureAwait(false);
        JsonNode? node = null;
        if (text.Length > 0 && resp.Content.Headers.ContentType?.MediaType == "application/json")
        {
            node = JsonNode.Parse(text);
        }
        return (resp.StatusCode, node, resp);
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(SiftServer s, string path, string body, string? key = null) =>
        SendAsync(s, HttpMethod.Post, path, body, key);

    /// <summary>The data payloads of an SSE response (without [DONE]), and whether [DONE] came.</summary>
    public static async Task<(List<JsonNode> Events, bool Done)> StreamAsync(SiftServer s, string path, string body)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, new Uri(s.BaseUrl, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var resp = await Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("text/event-stream", resp.Content.Headers.ContentType?.MediaType);
        string all = await resp.Content.ReadAsStringAsync().ConfigureAwait(false);
        var events = new List<JsonNode>();
        bool done = false;
        foreach (string frame in all.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", frame);
            string data = frame[6..];
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }
            Assert.False(done, "an event came after [DONE]");
            events.Add(JsonNode.Parse(data)!);
        }
        return (events, done);
    }
}
