using System.Text;
using System.Text.Json;
using Sift.Inference.Chat;

namespace Sift.Serving.Protocol;

/// <summary>A validated POST /v1/chat/completions request.</summary>
internal sealed record ChatParams(
    int[] Prompt,
    int MaxTokens,
    SamplingParams Sampling,
    bool Logprobs,
    int TopLogprobs,
    bool Stream,
    bool IncludeUsage,
    IReadOnlyList<string> Stops)
{
    public const int MaxMessages = 4096;

    private static readonly HashSet<string> Known = new(SamplingParams.Fields.Concat(
    [
        "messages", "max_completion_tokens", "logprobs", "top_logprobs", "response_format", "tools", "tool_choice",
        "parallel_tool_calls", "add_generation_prompt", "continue_final_message", "echo", "metadata", "store",
        "service_tier", "modalities", "skip_special_tokens", "include_stop_str_in_output",
    ]), StringComparer.Ordinal);

    public static ChatParams Read(JsonElement root, ServedModelState m)
    {
        var f = new RequestFields(root);
        f.RejectUnknown(Known);
        CompletionParams.CheckModel(f, m);
        if (m.Chat is not { } chat)
        {
            throw ApiException.Bad("chat needs a tokenizer to render messages, and this model folder has no tokenizer.json; use /v1/completions with token-id prompts");
        }
        var messages = Messages(f);
        bool addGen = f.Bool("add_generation_prompt") ?? true;
        bool cont = f.Bool("continue_final_message") ?? false;
        if (addGen && cont && f.Has("add_generation_prompt"))
        {
            throw ApiException.Bad("'continue_final_message' and 'add_generation_prompt' cannot both be true", "continue_final_message");
        }
        if (cont)
        {
            addGen = false;
            if (messages[^1].Role != "assistant")
            {
                throw ApiException.Bad("'continue_final_message' needs the final message to be from the assistant", "continue_final_message");
            }
        }
        f.OnlyDefault("echo", v => v.ValueKind == JsonValueKind.False, "is not supported for chat (use /v1/completions with echo)");
        f.OnlyDefault("tools", v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0, "is not supported: this server does not do tool calling");
        f.OnlyDefault("tool_choice", v => v.ValueKind == JsonValueKind.String && v.GetString() is "none" or "auto", "is not supported: this server does not do tool calling");
        f.OnlyDefault("response_format", v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "text",
            "is not supported except {\"type\": \"text\"} (no constrained decoding)");
        f.OnlyDefault("modalities", v => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String && x.GetString() == "text"), "is not supported except [\"text\"]");
        f.OnlyDefault("skip_special_tokens", v => v.ValueKind == JsonValueKind.True, "is not supported (only true)");
        f.OnlyDefault("include_stop_str_in_output", v => v.ValueKind == JsonValueKind.False, "is not supported (only false)");
        f.Bool("parallel_tool_calls");
        f.Bool("store");
        f.String("service_tier");
        if (f.Element("metadata") is { } md && md.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.Bad($"'metadata' must be an object, got {RequestFields.Kind(md)}", "metadata");
        }
        var sampling = SamplingParams.Read(f, m);
        bool logprobs = f.Bool("logprobs") ?? false;
        int? top = f.Int("top_logprobs", 0, m.Options.MaxLogprobs);
        if (top is > 0 && !logprobs)
        {
            throw ApiException.Bad("'top_logprobs' needs 'logprobs': true", "top_logprobs");
        }
        int[] prompt;
        try
        {
            prompt = chat.Encode(messages, addGen, cont);
        }
        catch (ChatTemplateException ex)
        {
            throw ApiException.Bad(ex.Message, ex.Field);
        }
        if (prompt.Length == 0)
        {
            throw ApiException.Bad("the messages render to an empty prompt", "messages");
        }
        if (prompt.Length >= m.MaxLength)
        {
            throw ApiException.Bad($"the messages render to {prompt.Length} tokens; the model's context is {m.MaxLength}", "messages");
        }
        int? a = f.Int("max_completion_tokens", 1, int.MaxValue), b = f.Int("max_tokens", 1, int.MaxValue);
        if (a is int x && b is int y && x != y)
        {
            throw ApiException.Bad($"'max_completion_tokens' ({x}) and 'max_tokens' ({y}) disagree; send one", "max_completion_tokens");
        }
        // Without a limit the completion may fill the context, as vLLM does.
        int maxTokens = a ?? b ?? m.MaxLength - prompt.Length;
        SamplingParams.CheckContext(m, prompt.Length, maxTokens, a is null ? "max_tokens" : "max_completion_tokens", "messages");
        if (sampling.N > m.Engine.MaxQueue)
        {
            throw ApiException.Bad($"n={sampling.N} is more sequences than this server queues ({m.Engine.MaxQueue}, --queue)", "n");
        }
        var stops = sampling.Stops.Concat(chat.Stops).Distinct(StringComparer.Ordinal).ToList();
        return new ChatParams(prompt, maxTokens, sampling, logprobs, top ?? 0, SamplingParams.Stream(f), SamplingParams.IncludeUsage(f), stops);
    }

    private static List<ChatMessageIn> Messages(RequestFields f)
    {
        if (f.Element("messages") is not { } arr || arr.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.Bad("'messages' is required: an array of {\"role\", \"content\"} objects", "messages");
        }
        int n = arr.GetArrayLength();
        if (n == 0)
        {
            throw ApiException.Bad("'messages' is empty", "messages");
        }
        if (n > MaxMessages)
        {
            throw ApiException.Bad($"'messages' has {n} entries; at most {MaxMessages}", "messages");
        }
        var list = new List<ChatMessageIn>(n);
        int i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            var mf = new RequestFields(e, $"messages[{i}]");
            mf.RejectUnknown(new HashSet<string>(["role", "content", "name"], StringComparer.Ordinal));
            string role = mf.String("role") ?? throw ApiException.Bad($"'messages[{i}].role' is required", "messages");
            if (role == "developer")
            {
                role = "system";
            }
            if (role is not ("system" or "user" or "assistant"))
            {
                throw ApiException.Bad($"'messages[{i}].role' must be system, developer, user or assistant, got \"{role}\" (tool messages are not supported)", "messages");
            }
            mf.String("name");
            list.Add(new ChatMessageIn(role, Content(mf, i)));
            i++;
        }
        return list;
    }

    // "content": a string, or an array of {"type": "text", "text": ...} parts (what SDKs send for multi-part text).
    private static string Content(RequestFields mf, int i)
    {
        if (mf.Element("content") is not { } c)
        {
            throw ApiException.Bad($"'messages[{i}].content' is required", "messages");
        }
        if (c.ValueKind == JsonValueKind.String)
        {
            return c.GetString()!;
        }
        if (c.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.Bad($"'messages[{i}].content' must be a string or an array of text parts, got {RequestFields.Kind(c)}", "messages");
        }
        var sb = new StringBuilder();
        int j = 0;
        foreach (var part in c.EnumerateArray())
        {
            var pf = new RequestFields(part, $"messages[{i}].content[{j}]");
            string type = pf.String("type") ?? "";
            if (type != "text")
            {
                throw ApiException.Bad($"'messages[{i}].content[{j}].type' must be \"text\" (this server takes text only), got \"{type}\"", "messages");
            }
            sb.Append(pf.String("text") ?? throw ApiException.Bad($"'messages[{i}].content[{j}].text' is required", "messages"));
            j++;
        }
        return sb.ToString();
    }
}
