using System.Text.Json;
using Sift.Serving.Engine;
using Sift.Serving.Text;
using Sift.Text;

namespace Sift.Serving.Endpoints;

/// <summary>Writes logprobs in the OpenAI legacy shape, vLLM's id-keyed prompt_logprobs, and the chat shape.</summary>
internal sealed class LogprobJson(ITokenizer? tok, bool tokensAsIds)
{
    public string TokenString(int id) => TextTokenCache(id);

    private readonly Dictionary<int, string> _cache = [];

    private string TextTokenCache(int id)
    {
        if (!_cache.TryGetValue(id, out string? s))
        {
            s = TokenText.Of(tok, id, tokensAsIds);
            if (_cache.Count < 65536)
            {
                _cache[id] = s;
            }
        }
        return s;
    }

    /// <summary>
    /// Legacy {"tokens", "token_logprobs", "top_logprobs", "text_offset"} over the echoed prompt (when given; its first
    /// entry is null) followed by generated tokens [start, start+count). Returns the text offset after the last token.
    /// </summary>
    public int WriteLegacy(Utf8JsonWriter w, int[]? prompt, PromptScores? scores, List<EngineEvent> gen, int start, int count, int offset, bool withTop)
    {
        w.WriteStartObject("logprobs");
        w.WriteStartArray("tokens");
        if (prompt is not null)
        {
            foreach (int id in prompt)
            {
                w.WriteStringValue(TokenString(id));
            }
        }
        for (int i = start; i < start + count; i++)
        {
            w.WriteStringValue(TokenString(gen[i].Token));
        }
        w.WriteEndArray();
        w.WriteStartArray("token_logprobs");
        if (prompt is not null)
        {
            for (int i = 0; i < prompt.Length; i++)
            {
                HttpIo.WriteLogprob(w, i == 0 || scores is null ? float.NaN : scores.Logprobs[i]);
            }
        }
        for (int i = start; i < start + count; i++)
        {
            HttpIo.WriteLogprob(w, gen[i].Logprob);
        }
        w.WriteEndArray();
        w.WriteStartArray("top_logprobs");
        if (prompt is not null)
        {
            for (int i = 0; i < prompt.Length; i++)
            {
                if (i == 0 || scores is null)
                {
                    w.WriteNullValue();
                    continue;
                }
                WriteTopObject(w, prompt[i], scores.Logprobs[i], withTop ? scores.Top?[i] : null);
            }
        }
        for (int i = start; i < start + count; i++)
        {
            WriteTopObject(w, gen[i].Token, gen[i].Logprob, withTop ? gen[i].Top : null);
        }
        w.WriteEndArray();
        w.WriteStartArray("text_offset");
        if (prompt is not null)
        {
            foreach (int id in prompt)
            {
                w.WriteNumberValue(offset);
                offset += TokenString(id).Length;
            }
        }
        for (int i = start; i < start + count; i++)
        {
            w.WriteNumberValue(offset);
            offset += TokenString(gen[i].Token).Length;
        }
        w.WriteEndArray();
        w.WriteEndObject();
        return offset;
    }

    // {token: logprob} for the chosen token and the alternatives (vLLM's shape: chosen first, no duplicate keys).
    private void WriteTopObject(Utf8JsonWriter w, int chosen, float lp, TokenLogprob[]? top)
    {
        w.WriteStartObject();
        string key = TokenString(chosen);
        w.WritePropertyName(key);
        HttpIo.WriteLogprob(w, lp);
        if (top is not null)
        {
            HashSet<string>? seen = null;
            foreach (var t in top)
            {
                string k = TokenString(t.Token);
                if (k == key || !(seen ??= []).Add(k))
                {
                    continue;
                }
                w.WritePropertyName(k);
                HttpIo.WriteLogprob(w, t.Logprob);
            }
        }
        w.WriteEndObject();
    }

    /// <summary>vLLM's prompt_logprobs: [null, {"id": {"logprob", "rank", "decoded_token"}, …}, …].</summary>
    public void WritePromptLogprobs(Utf8JsonWriter w, int[] prompt, PromptScores scores)
    {
        w.WriteStartArray("prompt_logprobs");
        for (int i = 0; i < prompt.Length; i++)
        {
            if (i == 0)
            {
                w.WriteNullValue();
                continue;
            }
            w.WriteStartObject();
            WriteIdEntry(w, prompt[i], scores.Logprobs[i], scores.Ranks[i]);
            if (scores.Top?[i] is { } top)
            {
                for (int r = 0; r < top.Length; r++)
                {
                    if (top[r].Token != prompt[i])
                    {
                        WriteIdEntry(w, top[r].Token, top[r].Logprob, r + 1);
                    }
                }
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private void WriteIdEntry(Utf8JsonWriter w, int id, float lp, int rank)
    {
        w.WriteStartObject(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WritePropertyName("logprob");
        HttpIo.WriteLogprob(w, lp);
        w.WriteNumber("rank", rank);
        w.WriteString("decoded_token", TokenString(id));
        w.WriteEndObject();
    }

    /// <summary>Chat: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, …]}.</summary>
    public void WriteChat(Utf8JsonWriter w, List<EngineEvent> gen, int start, int count, int top)
    {
        w.WriteStartObject("logprobs");
        w.WriteStartArray("content");
        for (int i = start; i < start + count; i++)
        {
            var e = gen[i];
            w.WriteStartObject();
            WriteChatToken(w, e.Token, e.Logprob);
            w.WriteStartArray("top_logprobs");
            if (top > 0 && e.Top is { } alts)
            {
                foreach (var a in alts.Take(top))
                {
                    w.WriteStartObject();
                    WriteChatToken(w, a.Token, a.Logprob);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private void WriteChatToken(Utf8JsonWriter w, int id, float lp)
    {
        string s = TokenString(id);
        w.WriteString("token", s);
        w.WritePropertyName("logprob");
        HttpIo.WriteLogprob(w, lp);
        w.WriteStartArray("bytes");
        foreach (byte b in TokenText.Bytes(s))
        {
            w.WriteNumberValue(b);
        }
        w.WriteEndArray();
    }
}
