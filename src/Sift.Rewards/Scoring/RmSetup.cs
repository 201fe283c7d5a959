using Sift.Core;
using Sift.Inference.Chat;
using Sift.Rewards.Steps;
using Sift.Text;

namespace Sift.Rewards.Scoring;

/// <summary>What the command line says about the format.</summary>
/// <param name="Format">The input format.</param>
/// <param name="Split">A separator that overrides the format's own step split (tagged formats: tags untagged text).</param>
/// <param name="StepTag">tagged: the step tag.</param>
/// <param name="Good">tagged: the positive label.</param>
/// <param name="Bad">tagged: the negative label.</param>
/// <param name="ChatTemplate">RLHFlow: a chat template to use instead of the tokenizer's own.</param>
/// <param name="GoodOption">The option that gave <paramref name="Good"/>, for errors (`sift data pack` calls it --positive).</param>
/// <param name="BadOption">The option that gave <paramref name="Bad"/>.</param>
internal sealed record RmFormatOptions(RmFormat Format, string? Split = null, string? StepTag = null, string? Good = null, string? Bad = null, string? ChatTemplate = null,
    string GoodOption = "--good", string BadOption = "--bad");

/// <summary>A format made concrete for one tokenizer: the prompt builder, the label ids, and the settings a resume must match.</summary>
internal sealed record RmSetup(IRmPromptBuilder Builder, LabelTokens Labels, IReadOnlyDictionary<string, string?> Settings)
{
    /// <summary>Builds the format for a tokenizer; <paramref name="bos"/> is put before tagged inputs (Math-Shepherd encodes with BOS).</summary>
    public static RmSetup Create(RmFormatOptions o, ITokenizer tok, int? bos)
    {
        bool tagged = o.Format is RmFormat.Tagged;
        if (!tagged && (o.StepTag ?? o.Good ?? o.Bad) is not null)
        {
            throw new SiftException($"--step-tag, --good and --bad go with --format tagged; {RmFormats.Name(o.Format)} has its own");
        }
        if (tagged && (o.StepTag is null || o.Good is null || o.Bad is null))
        {
            throw new SiftException("--format tagged needs --step-tag, --good and --bad (e.g. --step-tag 'ки' --good '+' --bad '-')");
        }
        if (o.ChatTemplate is not null && o.Format is not (RmFormat.RlhFlowPrm or RmFormat.RlhFlowOrm))
        {
            throw new SiftException("--chat-template goes with the rlhflow formats");
        }
        if (o.Split is { Length: 0 })
        {
            throw new SiftException("--split: the separator is empty");
        }
        IRmPromptBuilder builder;
        LabelTokens labels;
        switch (o.Format)
        {
            case RmFormat.RlhFlowPrm or RmFormat.RlhFlowOrm:
                labels = LabelTokens.Single(tok, ChatTurnsPromptBuilder.Placeholder, "-");
                builder = new ChatTurnsPromptBuilder(Chat(tok, o.ChatTemplate), labels, o.Format == RmFormat.RlhFlowOrm, o.Split);
                break;
            case RmFormat.MathShepherd:
                labels = LabelTokens.ShepherdPair(tok);
                builder = new TaggedPromptBuilder(tok, bos, StepSplitter.ShepherdTag, o.Split);
                break;
            default:
                labels = LabelTokens.Single(tok, o.Good!, o.Bad!, o.GoodOption, o.BadOption);
                builder = new TaggedPromptBuilder(tok, bos, o.StepTag!, o.Split);
                break;
        }
        var settings = new Dictionary<string, string?>
        {
            ["format"] = RmFormats.Name(o.Format),
            ["split"] = o.Split,
            ["step_tag"] = o.StepTag,
            ["good"] = o.Good,
            ["bad"] = o.Bad,
            ["label_ids"] = $"{labels.Good},{labels.Bad}",
            ["chat_template_sha256"] = o.ChatTemplate is null ? null : Sift.Core.IO.Hashing.Sha256Hex(System.Text.Encoding.UTF8.GetBytes(o.ChatTemplate)),
        };
        return new RmSetup(builder, labels, settings);
    }

    private static ChatPrompt Chat(ITokenizer tok, string? template)
    {
        if (template is not null)
        {
            return ChatPrompt.FromTemplate(tok, template, "--chat-template");
        }
        return tok is HfTokenizer { ChatTemplate: { Length: > 0 } own }
            ? ChatPrompt.FromTemplate(tok, own, "the model's chat_template")
            : throw new SiftException("the rlhflow formats render the conversation with the model's chat template, and tokenizer_config.json has none; give --chat-template FILE (RLHFlow's PRMs use Llama-3.1-8B-Instruct's)");
    }
}
