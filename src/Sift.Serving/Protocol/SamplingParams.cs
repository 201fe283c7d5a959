using System.Security.Cryptography;
using System.Text.Json;
using Sift.Engine.Inference;
using Sift.Serving.Engine;

namespace Sift.Serving.Protocol;

/// <summary>The sampling fields shared by /v1/completions and /v1/chat/completions, validated.</summary>
internal sealed record SamplingParams(SamplingOptions Sampling, ulong Seed, int N, IReadOnlyList<string> Stops, bool IgnoreEos)
{
    public const int MaxN = 128;
    public const int MaxStops = 16;

    /// <summary>Fields every generation request accepts (OpenAI names, plus vLLM's top_k and ignore_eos).</summary>
    public static readonly string[] Fields =
    [
        "model", "max_tokens", "temperature", "top_p", "top_k", "n", "best_of", "seed", "stop", "stream", "stream_options",
        "user", "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "ignore_eos", "min_p",
    ];

    public static SamplingParams Read(RequestFields f, ServedModelState m)
    {
        // OpenAI's defaults: temperature 1, top_p 1.
        double temperature = f.Number("temperature", 0, 2) ?? 1.0;
        double topP = f.Number("top_p", 0, 1) ?? 1.0;
        if (topP <= 0)
        {
            throw ApiException.Bad("'top_p' must be greater than 0 and at most 1, got 0", "top_p");
        }
        int topK = f.Int("top_k", -1, m.Vocab) ?? 0;
        int n = f.Int("n", 1, MaxN) ?? 1;
        if (f.Int("best_of", 1, MaxN) is int bestOf && bestOf != n)
        {
            throw ApiException.Bad($"'best_of' {bestOf} is not supported unless it equals n ({n}); ask for n samples and rank them yourself", "best_of");
        }
        f.OnlyDefault("presence_penalty", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0, "is not supported (only 0)");
        f.OnlyDefault("frequency_penalty", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0, "is not supported (only 0)");
        f.OnlyDefault("repetition_penalty", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 1, "is not supported (only 1)");
        f.OnlyDefault("min_p", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0, "is not supported (only 0)");
        f.OnlyDefault("logit_bias", v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "is not supported (only an empty object)");
        f.String("user");
        if (f.Element("stream_options") is { } so)
        {
            var o = new RequestFields(so, "stream_options");
            o.RejectUnknown(new HashSet<string>(["include_usage", "continuous_usage_stats"], StringComparer.Ordinal));
            o.Bool("include_usage");
            o.Bool("continuous_usage_stats");
        }
        var stops = f.Strings("stop", MaxStops, 1000);
        if (stops.Count > 0 && m.Tokenizer is null)
        {
            throw ApiException.Bad("'stop' strings need a tokenizer, and this model folder has no tokenizer.json", "stop");
        }
        bool ignoreEos = f.Bool("ignore_eos") ?? false;
        ulong seed = f.Long("seed") is long s ? unchecked((ulong)s) : BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        var sampling = new SamplingOptions { Temperature = (float)temperature, TopP = (float)topP, TopK = Math.Max(0, topK) };
        return new SamplingParams(sampling, seed, n, stops, ignoreEos);
    }

    public static bool Stream(RequestFields f) => f.Bool("stream") ?? false;

    public static bool IncludeUsage(RequestFields f) =>
        f.Element("stream_options") is { } so && new RequestFields(so, "stream_options").Bool("include_usage") == true;

    /// <summary>Checks prompt + completion against the context, with vLLM's wording.</summary>
    public static void CheckContext(ServedModelState m, int promptTokens, int maxTokens, string maxField, string promptField)
    {
        if (promptTokens + maxTokens > m.MaxLength)
        {
            throw ApiException.Bad(
                $"this model's maximum context length is {m.MaxLength} tokens, but the request needs {promptTokens + maxTokens} " +
                $"({promptTokens} in the prompt, {maxTokens} for the completion); shorten the prompt or lower '{maxField}'",
                promptTokens > m.MaxLength ? promptField : maxField);
        }
    }

    /// <summary>The engine jobs of one prompt: n sequences with seeds s, s+1, ….</summary>
    public IEnumerable<EngineJob> Jobs(ServedModelState m, int[] prompt, int maxTokens, int promptLogprobs, int topLogprobs, bool wantRank, ulong seedOffset) =>
        Enumerable.Range(0, N).Select(j => new EngineJob
        {
            Prompt = prompt,
            MaxTokens = maxTokens,
            Sampling = Sampling,
            Seed = unchecked(Seed + seedOffset + (ulong)j),
            StopTokens = IgnoreEos ? [] : m.StopTokens,
            PromptLogprobs = promptLogprobs,
            TopLogprobs = topLogprobs,
            WantRank = wantRank,
        });
}
