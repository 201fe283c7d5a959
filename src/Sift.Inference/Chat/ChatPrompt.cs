using Sift.Core;
using Sift.Inference.Chat.Jinja;
using Sift.Text;

namespace Sift.Inference.Chat;

/// <summary>A chat message as the template sees it.</summary>
/// <param name="Role">system, user or assistant (developer is passed on as system).</param>
/// <param name="Content">The text.</param>
public sealed record ChatMessageIn(string Role, string Content);

/// <summary>Messages a chat template cannot render; <see cref="Field"/> names the request field at fault.</summary>
public sealed class ChatTemplateException(string message, string field) : SiftException(message)
{
    /// <summary>The request field at fault ("messages", "continue_final_message").</summary>
    public string Field { get; } = field;
}

/// <summary>
/// Turns chat messages into prompt tokens. The model's own chat template (tokenizer_config.json "chat_template") is
/// rendered with a Jinja interpreter when it parses; otherwise (no template, or syntax outside the supported subset)
/// the default ChatML template is used, the one Hugging Face used as its default:
/// <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per message, then <c>&lt;|im_start|&gt;assistant\n</c>, with the
/// model's BOS in front when it has one, and "&lt;|im_end|&gt;" as a stop string.
/// Rendered text is tokenized with special tokens matched, and nothing else is added (as HF's apply_chat_template).
/// </summary>
public sealed class ChatPrompt
{
    private readonly JinjaTemplate? _template;
    private readonly HfTokenizer? _hf;
    private readonly ITokenizer _tok;
    private readonly int? _bos;

    private ChatPrompt(ITokenizer tok, int? bos, JinjaTemplate? template, string description, IReadOnlyList<string> stops)
    {
        _tok = tok;
        _hf = tok as HfTokenizer;
        _bos = bos;
        _template = template;
        Description = description;
        Stops = stops;
    }

    /// <summary>The default template's end-of-turn marker.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>Which template is in use, for the startup log and /v1/models.</summary>
    public string Description { get; }

    /// <summary>Stop strings implied by the template (the default template's end-of-turn marker).</summary>
    public IReadOnlyList<string> Stops { get; }

    /// <summary>Picks the template for a model; null when it has no tokenizer (chat then answers 400).</summary>
    public static ChatPrompt? For(IDecoderModel model, Action<string> log) =>
        model.Tokenizer is { } tok ? For(tok, model.BosId, model.ChatTemplate, log) : null;

    /// <summary>Picks the template for a tokenizer (its chat_template, else the default ChatML); <paramref name="bos"/> leads the default template's prompts.</summary>
    public static ChatPrompt For(ITokenizer tok, int? bos, Action<string> log) =>
        For(tok, bos, tok is HfTokenizer { ChatTemplate: { Length: > 0 } t } ? (t, "the model's chat_template (tokenizer_config.json)") : null, log);

    /// <summary>Picks <paramref name="template"/> (Jinja source and where it came from) when it renders here, else the default ChatML.</summary>
    public static ChatPrompt For(ITokenizer tok, int? bos, (string Template, string Source)? template, Action<string> log)
    {
        if (template is { } tpl)
        {
            try
            {
                var t = JinjaTemplate.Parse(tpl.Template);
                return new ChatPrompt(tok, bos, t, tpl.Source, []);
            }
            catch (JinjaException ex)
            {
                log($"the model's chat_template cannot be rendered here ({ex.Message}); using the default ChatML template");
            }
        }
        return new ChatPrompt(tok, bos, null, "the default ChatML template", [ImEnd]);
    }

    /// <summary>
    /// A chat prompt from a given template, without the ChatML fallback: reward-model formats are defined by one
    /// model's template, so a template that does not parse here is an error.
    /// </summary>
    public static ChatPrompt FromTemplate(ITokenizer tok, string template, string description)
    {
        try
        {
            return new ChatPrompt(tok, null, JinjaTemplate.Parse(template), description, []);
        }
        catch (JinjaException ex)
        {
            throw new SiftException($"{description}: the chat template cannot be rendered here: {ex.Message}");
        }
    }

    /// <summary>The prompt text (for logs and tests).</summary>
    public string Render(IReadOnlyList<ChatMessageIn> messages, bool addGenerationPrompt, bool continueFinal)
    {
        string text;
        if (_template is null)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < messages.Count; i++)
            {
                sb.Append("<|im_start|>").Append(messages[i].Role).Append('\n').Append(messages[i].Content);
                if (!(continueFinal && i == messages.Count - 1))
                {
                    sb.Append(ImEnd).Append('\n');
                }
            }
            if (addGenerationPrompt)
            {
                sb.Append("<|im_start|>assistant\n");
            }
            return sb.ToString();
        }
        var vars = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["role"] = m.Role,
                ["content"] = m.Content,
            }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = _hf?.BosToken ?? "",
            ["eos_token"] = _hf?.EosToken ?? "",
        };
        try
        {
            text = _template.Render(vars);
        }
        catch (JinjaException ex)
        {
            // raise_exception in a template reports a bad conversation (e.g. roles that do not alternate).
            throw new ChatTemplateException($"the chat template refused the messages: {ex.Message}", "messages");
        }
        if (continueFinal && messages.Count > 0)
        {
            // As HF: cut the rendered text right after the final message's content, dropping its end-of-turn.
            string last = messages[^1].Content.Trim();
            int at = last.Length == 0 ? -1 : text.LastIndexOf(last, StringComparison.Ordinal);
            if (at < 0)
            {
                throw new ChatTemplateException("continue_final_message: the final message's content does not appear in the rendered template", "continue_final_message");
            }
            text = text[..(at + last.Length)];
        }
        return text;
    }

    /// <summary>Prompt token ids for the messages.</summary>
    public int[] Encode(IReadOnlyList<ChatMessageIn> messages, bool addGenerationPrompt, bool continueFinal)
    {
        string text = Render(messages, addGenerationPrompt, continueFinal);
        int[] ids = _tok.Encode(text, allowSpecial: true);
        return _template is null && _bos is int bos ? [bos, .. ids] : ids;
    }
}
