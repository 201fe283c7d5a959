using System.Text.Json;

namespace Sift.Serving.Protocol;

/// <summary>One prompt of a completions request: its ids, and its original text (echoed back as given).</summary>
internal sealed record PromptIn(int[] Ids, string? Text);

/// <summary>A validated POST /v1/completions request.</summary>
internal sealed record CompletionParams(
    IReadOnlyList<PromptIn> Prompts,
    int MaxTokens,
    SamplingParams Sampling,
    int? Logprobs,
    bool Echo,
    int? PromptLogprobs,
    bool Stream,
    bool IncludeUsage,
    bool TokensAsIds,
    bool ReturnTokenIds)
{
    public const int MaxPrompts = 1024;

    private static readonly HashSet<string> Known = new(SamplingParams.Fields.Concat(
    [
        "prompt", "logprobs", "echo", "suffix", "prompt_logprobs", "return_tokens_as_token_ids", "return_token_ids",
        "add_special_tokens", "skip_special_tokens", "include_stop_str_in_output",
    ]), StringComparer.Ordinal);

    public static CompletionParams Read(JsonElement root, ServedModelState m)
    {
        var f = new RequestFields(root);
        f.RejectUnknown(Known);
        CheckModel(f, m);
        bool addSpecial = f.Bool("add_special_tokens") ?? true;
        var prompts = ReadPrompts(f, m, addSpecial);
        var sampling = SamplingParams.Read(f, m);
        bool echo = f.Bool("echo") ?? false;
        int maxTokens = f.Int("max_tokens", 0, int.MaxValue) ?? 16;
        if (maxTokens == 0 && !echo)
        {
            throw ApiException.Bad("'max_tokens' 0 is only allowed with echo (to score the prompt); use 1 or more", "max_tokens");
        }
        int? logprobs = f.Int("logprobs", 0, m.Options.MaxLogprobs);
        int? promptLogprobs = f.Int("prompt_logprobs", 0, m.Options.MaxLogprobs);
        bool stream = SamplingParams.Stream(f);
        if (stream && promptLogprobs is not null)
        {
            throw ApiException.Bad("'prompt_logprobs' is not supported with stream (as in vLLM); use echo with logprobs, or a non-streaming request", "prompt_logprobs");
        }
        f.OnlyDefault("suffix", v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0, "is not supported (insertion needs a fill-in-the-middle model)");
        f.OnlyDefault("skip_special_tokens", v => v.ValueKind == JsonValueKind.True, "is not supported (only true)");
        f.OnlyDefault("include_stop_str_in_output", v => v.ValueKind == JsonValueKind.False, "is not supported (only false)");
        foreach (var p in prompts)
        {
            SamplingParams.CheckContext(m, p.Ids.Length, maxTokens, "max_tokens", "prompt");
        }
        long sequences = (long)prompts.Count * sampling.N;
        if (sequences > m.Engine.MaxQueue)
        {
            throw ApiException.Bad($"the request asks for {sequences} sequences ({prompts.Count} prompts × n={sampling.N}); this server queues at most {m.Engine.MaxQueue} (--queue)", "n");
        }
        return new CompletionParams(prompts, maxTokens, sampling, logprobs, echo, promptLogprobs, stream,
            SamplingParams.IncludeUsage(f), f.Bool("return_tokens_as_token_ids") ?? false, f.Bool("return_token_ids") ?? false);
    }

    public static void CheckModel(RequestFields f, ServedModelState m)
    {
        if (f.String("model") is { } name && name != m.Name)
        {
            throw new ApiException(404, $"the model '{name}' does not exist; this server serves '{m.Name}'", "model", "invalid_request_error", "model_not_found");
        }
    }

    // "prompt": a string, an array of strings, an array of token ids, or an array of such arrays.
    private static List<PromptIn> ReadPrompts(RequestFields f, ServedModelState m, bool addSpecial)
    {
        if (f.Element("prompt") is not { } p)
        {
            throw ApiException.Bad("'prompt' is required: a string, an array of strings, an array of token ids, or an array of token-id arrays", "prompt");
        }
        var list = new List<PromptIn>();
        if (p.ValueKind == JsonValueKind.String)
        {
            list.Add(FromText(p.GetString()!, m, addSpecial, "prompt"));
        }
        else if (p.ValueKind == JsonValueKind.Array)
        {
            int count = p.GetArrayLength();
            if (count == 0)
            {
                throw ApiException.Bad("'prompt' is an empty array", "prompt");
            }
            var first = p[0];
            if (first.ValueKind == JsonValueKind.Number)
            {
                list.Add(new PromptIn(Ids(p, m, "prompt"), null));
            }
            else
            {
                if (count > MaxPrompts)
                {
                    throw ApiException.Bad($"'prompt' has {count} prompts; at most {MaxPrompts} per request", "prompt");
                }
                int i = 0;
                foreach (var e in p.EnumerateArray())
                {
                    string at = $"prompt[{i++}]";
                    list.Add(e.ValueKind switch
                    {
                        JsonValueKind.String when first.ValueKind == JsonValueKind.String => FromText(e.GetString()!, m, addSpecial, at),
                        JsonValueKind.Array when first.ValueKind == JsonValueKind.Array => new PromptIn(Ids(e, m, at), null),
                        _ => throw ApiException.Bad($"'{at}' must be {(first.ValueKind == JsonValueKind.String ? "a string" : "an array of token ids")} like the first prompt, got {RequestFields.Kind(e)}", "prompt"),
                    });
                }
            }
        }
        else
        {
            throw ApiException.Bad($"'prompt' must be a string, an array of strings, an array of token ids, or an array of token-id arrays; got {RequestFields.Kind(p)}", "prompt");
        }
        return list;
    }

    private static PromptIn FromText(string text, ServedModelState m, bool addSpecial, string at)
    {
        if (m.Tokenizer is not { } tok)
        {
            throw ApiException.Bad($"'{at}' is text, but this model folder has no tokenizer.json; send token ids instead (\"prompt\": [1, 2, 3])", "prompt");
        }
        if (text.Length > m.Options.MaxBodyBytes)
        {
            throw ApiException.Bad($"'{at}' is too long", "prompt");
        }
        int[] ids = tok.Encode(text);
        if (addSpecial && m.Model.BosId is int bos)
        {
            ids = [bos, .. ids];
        }
        if (ids.Length == 0)
        {
            throw ApiException.Bad($"'{at}' is empty", "prompt");
        }
        if (ids.Length > m.MaxLength)
        {
            throw ApiException.Bad($"'{at}' has {ids.Length} tokens, more than the model's context of {m.MaxLength}", "prompt");
        }
        return new PromptIn(ids, text);
    }

    private static int[] Ids(JsonElement arr, ServedModelState m, string at)
    {
        int n = arr.GetArrayLength();
        if (n == 0)
        {
            throw ApiException.Bad($"'{at}' is an empty token list", "prompt");
        }
        if (n > m.MaxLength)
        {
            throw ApiException.Bad($"'{at}' has {n} tokens, more than the model's context of {m.MaxLength}", "prompt");
        }
        var ids = new int[n];
        int i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long id))
            {
                throw ApiException.Bad($"'{at}[{i}]' must be an integer token id, got {RequestFields.Describe(e)}", "prompt");
            }
            if (id < 0 || id >= m.Vocab)
            {
                throw ApiException.Bad($"'{at}[{i}]' token id {id} is outside the vocabulary (0..{m.Vocab - 1})", "prompt");
            }
            ids[i++] = (int)id;
        }
        return ids;
    }
}
