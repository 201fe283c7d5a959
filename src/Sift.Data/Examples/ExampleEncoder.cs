using Sift.Core;
using Sift.Text;

namespace Sift.Data.Examples;

/// <summary>A token sequence with its loss mask: <c>Mask[i] = 1</c> when token i is a completion (trained) token.</summary>
internal sealed record MaskedSequence(int[] Tokens, byte[] Mask)
{
    /// <summary>Index of the first completion token (the prompt is everything before it), or the length when there is none.</summary>
    public int PromptLength
    {
        get
        {
            int i = Mask.AsSpan().IndexOfAnyExcept((byte)0);
            return i < 0 ? Tokens.Length : i;
        }
    }

    /// <summary>Completion tokens that are targets (position ≥ 1): what the loss is computed on.</summary>
    public int TrainedTargets
    {
        get
        {
            int n = 0;
            for (int i = 1; i < Mask.Length; i++)
            {
                n += Mask[i] != 0 ? 1 : 0;
            }
            return n;
        }
    }

    /// <summary>
    /// A reward-model input as a document: the scorer's tokens plus one <paramref name="filler"/> token (so the last read
    /// row, often the final step tag, is an input with a target), and the label code of read row r at mask[r + 1]. The
    /// filler is after every read row, so causal attention keeps it out of every labelled logit.
    /// </summary>
    public static MaskedSequence FromLabelled(LabelledPrompt p, int filler)
    {
        int[] tokens = [.. p.Tokens, filler];
        var mask = new byte[tokens.Length];
        for (int k = 0; k < p.Rows.Length; k++)
        {
            mask[p.Rows[k] + 1] = p.Labels[k] ? StepLabelCodes.Positive : StepLabelCodes.Negative;
        }
        return new MaskedSequence(tokens, mask);
    }

    /// <summary>Prompt + completion with a 0…0 1…1 mask.</summary>
    public static MaskedSequence Join(ReadOnlySpan<int> prompt, ReadOnlySpan<int> completion)
    {
        var tokens = new int[prompt.Length + completion.Length];
        prompt.CopyTo(tokens);
        completion.CopyTo(tokens.AsSpan(prompt.Length));
        var mask = new byte[tokens.Length];
        mask.AsSpan(prompt.Length).Fill(1);
        return new MaskedSequence(tokens, mask);
    }

    /// <summary>At most <paramref name="maxLength"/> tokens, cut at the end (keep_start) or the start (keep_end).</summary>
    public MaskedSequence Truncate(int maxLength, Truncation mode)
    {
        if (Tokens.Length <= maxLength)
        {
            return this;
        }
        int from = mode == Truncation.KeepStart ? 0 : Tokens.Length - maxLength;
        return new MaskedSequence(Tokens.AsSpan(from, maxLength).ToArray(), Mask.AsSpan(from, maxLength).ToArray());
    }
}

/// <summary>
/// Tokenizes example lines as TRL does. Plain text: the prompt (with BOS first when the tokenizer's post-processor adds
/// one) and the completion are tokenized separately, and EOS is appended to the completion unless it already ends with
/// it (TRL's DPO and KTO tokenization). Chat: the prompt is rendered with the generation prompt, the whole conversation
/// without it, and the completion is the conversation's tokens after the prompt's (the prompt must render as a prefix);
/// for <c>messages</c> every assistant turn is a completion span. A plain-text field next to a chat field is read as one
/// user (prompt) or assistant (completion) message.
/// </summary>
internal sealed class ExampleEncoder(ITokenizer tokenizer, IChatEncoder? chat, bool addBos)
{
    /// <summary>The sequences of one example: [sequence] for sft and kto, [chosen, rejected] for pairs.</summary>
    public MaskedSequence[] Encode(ExampleLine line, ExampleKind kind)
    {
        var result = kind switch
        {
            ExampleKind.Pairs => new[] { Encode(line, line.Prompt!, line.Chosen!, "chosen"), Encode(line, line.Prompt!, line.Rejected!, "rejected") },
            _ when line.Messages is not null => [EncodeMessages(line.Where, line.Messages)],
            _ => [Encode(line, line.Prompt!, line.Completion!, "completion")],
        };
        int vocab = tokenizer.VocabSize;
        foreach (var s in result)
        {
            foreach (int id in s.Tokens)
            {
                if ((uint)id >= (uint)vocab)
                {
                    throw new SiftException($"{line.Where}: tokenizer produced id {id}, outside its vocabulary 0 .. {vocab - 1}");
                }
            }
        }
        return result;
    }

    private MaskedSequence Encode(ExampleLine line, ExampleContent prompt, ExampleContent completion, string field)
    {
        if (!prompt.IsChat && !completion.IsChat)
        {
            int[] p = tokenizer.Encode(prompt.Text!);
            if (addBos && tokenizer.BosId is int bos)
            {
                p = [bos, .. p];
            }
            int[] c = tokenizer.Encode(completion.Text!);
            if (tokenizer.EosId is int eos && (c.Length == 0 || c[^1] != eos))
            {
                c = [.. c, eos];
            }
            return MaskedSequence.Join(p, c);
        }
        var enc = RequireChat(line.Where);
        var promptTurns = prompt.Turns ?? [new ChatTurn("user", prompt.Text!)];
        var completionTurns = completion.Turns ?? [new ChatTurn("assistant", completion.Text!)];
        if (completionTurns.FirstOrDefault(t => t.Role != "assistant") is { } bad)
        {
            throw new SiftException($"{line.Where}: field \"{field}\" has a {bad.Role} message; a completion holds assistant messages only");
        }
        int[] promptIds = Render(enc, line.Where, promptTurns, addGenerationPrompt: true);
        int[] full = Render(enc, line.Where, [.. promptTurns, .. completionTurns], addGenerationPrompt: false);
        RequirePrefix(promptIds, full, line.Where, $"the prompt (with the generation prompt) does not render as a prefix of the prompt + {field} conversation");
        return MaskedSequence.Join(promptIds, full.AsSpan(promptIds.Length));
    }

    private MaskedSequence EncodeMessages(string where, IReadOnlyList<ChatTurn> messages)
    {
        var enc = RequireChat(where);
        int[] full = Render(enc, where, messages, addGenerationPrompt: false);
        var mask = new byte[full.Length];
        for (int k = 0; k < messages.Count; k++)
        {
            if (messages[k].Role != "assistant")
            {
                continue;
            }
            var before = messages.Take(k).ToList();
            int[] pre = Render(enc, where, before, addGenerationPrompt: true);
            int[] upto = Render(enc, where, [.. before, messages[k]], addGenerationPrompt: false);
            RequirePrefix(pre, full, where, $"messages[{k}]: the conversation before it (with the generation prompt) does not render as a prefix of the whole conversation");
            RequirePrefix(upto, full, where, $"messages[{k}]: the conversation up to it does not render as a prefix of the whole conversation");
            mask.AsSpan(pre.Length, upto.Length - pre.Length).Fill(1);
        }
        return new MaskedSequence(full, mask);
    }

    // Template errors (raise_exception, roles that do not alternate) name the line.
    private static int[] Render(IChatEncoder enc, string where, IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        try
        {
            return enc.Encode(turns, addGenerationPrompt);
        }
        catch (Exception ex) when (ex is not SiftException and not OperationCanceledException)
        {
            throw new SiftException($"{where}: the chat template refused the messages: {ex.Message}", ex);
        }
    }

    private IChatEncoder RequireChat(string where) => chat
        ?? throw new SiftException($"{where}: chat messages need a chat template (the tokenizer has none loaded here; give --chat-template)");

    private static void RequirePrefix(int[] prefix, int[] full, string where, string what)
    {
        if (prefix.Length > full.Length || !full.AsSpan(0, prefix.Length).SequenceEqual(prefix))
        {
            throw new SiftException($"{where}: {what} (the completion mask cannot be placed; the chat template rewrites earlier turns)");
        }
    }
}
