using System.Text.Json;
using Sift.Core;

namespace Sift.Rewards.Training;

/// <summary>
/// One labelled solution as <c>sift rm label</c> writes it, in either layout: RLHFlow's <c>conversations</c> (a user
/// turn per step, the first holding the question, each answered by the positive or negative label) or Math-Shepherd's
/// <c>input</c> (steps ending with the tag) and <c>label</c> (the same text, each tag replaced by the step's label).
/// </summary>
/// <param name="Users">RLHFlow layout: the user turns; null for the Math-Shepherd layout.</param>
/// <param name="Input">Math-Shepherd layout: the tagged text; null for the RLHFlow layout.</param>
/// <param name="Labels">Per step, true for the positive label.</param>
internal sealed record StepLabelRecord(IReadOnlyList<string>? Users, string? Input, bool[] Labels)
{
    /// <summary>The record field the steps came from, for errors.</summary>
    public string Field => Users is null ? "input" : "conversations";

    /// <summary>Parses a line; <paramref name="tag"/> marks steps in <c>input</c>, <paramref name="positive"/> and
    /// <paramref name="negative"/> are the label strings in <c>label</c> and in the assistant turns.</summary>
    public static StepLabelRecord Parse(JsonElement o, string where, string tag, string positive, string negative)
    {
        if (o.TryGetProperty("conversations", out var conv) && conv.ValueKind != JsonValueKind.Null)
        {
            return Conversations(conv, where, positive, negative);
        }
        string input = RmRecordJson.OptString(o, "input", where)
            ?? throw new SiftException($"{where}: missing field \"input\" (Math-Shepherd layout: steps ending with \"{tag}\", with \"label\") or \"conversations\" (RLHFlow layout)");
        string label = RmRecordJson.String(o, "label", where, $"the \"input\" text with each \"{tag}\" replaced by \"{positive}\" or \"{negative}\"");
        return new StepLabelRecord(null, input, TagLabels(input, label, where, tag, positive, negative));
    }

    private static StepLabelRecord Conversations(JsonElement conv, string where, string positive, string negative)
    {
        if (conv.ValueKind != JsonValueKind.Array)
        {
            throw new SiftException($"{where}: field \"conversations\" is {RmRecordJson.Describe(conv.ValueKind)}, expected a list of {{\"role\", \"content\"}} turns");
        }
        var users = new List<string>();
        var labels = new List<bool>();
        int i = 0;
        foreach (var turn in conv.EnumerateArray())
        {
            string at = $"conversations[{i}]";
            string expected = i % 2 == 0 ? "user" : "assistant";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                throw new SiftException($"{where}: field \"{at}\" is {RmRecordJson.Describe(turn.ValueKind)}, expected a {{\"role\", \"content\"}} object");
            }
            string role = RmRecordJson.String(turn, "role", $"{where}: {at}", "user or assistant");
            string content = RmRecordJson.String(turn, "content", $"{where}: {at}", "the turn's text");
            if (role != expected)
            {
                throw new SiftException($"{where}: field \"{at}.role\" is \"{role}\", expected \"{expected}\" (user steps and assistant labels alternate, starting with the user)");
            }
            if (i % 2 == 0)
            {
                users.Add(content);
            }
            else
            {
                labels.Add(content == positive ? true : content == negative ? false
                    : throw new SiftException($"{where}: field \"{at}.content\" is \"{Show(content)}\", expected the label \"{positive}\" or \"{negative}\""));
            }
            i++;
        }
        if (users.Count == 0)
        {
            throw new SiftException($"{where}: field \"conversations\" has no step (an empty list)");
        }
        if (labels.Count != users.Count)
        {
            throw new SiftException($"{where}: field \"conversations\" has {users.Count} user steps but {labels.Count} assistant labels (each step needs its label)");
        }
        return new StepLabelRecord(users, null, [.. labels]);
    }

    // label must be input with the k-th tag replaced by the k-th label: walk both texts together.
    private static bool[] TagLabels(string input, string label, string where, string tag, string positive, string negative)
    {
        string[] pieces = input.Split(tag);
        int steps = pieces.Length - 1;
        if (steps == 0)
        {
            throw new SiftException($"{where}: field \"input\" has no step tag \"{tag}\" (each step must end with it)");
        }
        int labelTags = label.Split(tag).Length - 1;
        if (labelTags > 0)
        {
            throw new SiftException($"{where}: field \"label\" still holds {labelTags} step tag(s) \"{tag}\"; each must be replaced by \"{positive}\" or \"{negative}\"");
        }
        var labels = new bool[steps];
        int at = 0;
        // Try the longer label first, so that a label that is a prefix of the other cannot shadow it.
        var order = positive.Length >= negative.Length ? new[] { (positive, true), (negative, false) } : [(negative, false), (positive, true)];
        for (int k = 0; k <= steps; k++)
        {
            if (string.CompareOrdinal(label, at, pieces[k], 0, pieces[k].Length) != 0 || label.Length - at < pieces[k].Length)
            {
                throw new SiftException($"{where}: field \"label\" differs from \"input\" at character {FirstDifference(label, at, pieces[k])}; " +
                    $"it must be the same text with each \"{tag}\" replaced by \"{positive}\" or \"{negative}\" ({steps} steps)");
            }
            at += pieces[k].Length;
            if (k == steps)
            {
                break;
            }
            bool found = false;
            foreach (var (text, value) in order)
            {
                if (string.CompareOrdinal(label, at, text, 0, text.Length) == 0 && label.Length - at >= text.Length)
                {
                    labels[k] = value;
                    at += text.Length;
                    found = true;
                    break;
                }
            }
            if (!found)
            {
                throw new SiftException($"{where}: field \"label\": step {k + 1} of {steps} has no label \"{positive}\" or \"{negative}\" at character {at} where \"input\" has \"{tag}\"");
            }
        }
        if (at != label.Length)
        {
            throw new SiftException($"{where}: field \"label\" has {label.Length - at} characters more than \"input\" after the last step (label count ≠ step-tag count?)");
        }
        return labels;
    }

    private static int FirstDifference(string label, int at, string piece)
    {
        int i = 0;
        while (i < piece.Length && at + i < label.Length && label[at + i] == piece[i])
        {
            i++;
        }
        return at + i;
    }

    private static string Show(string s) => s.Length <= 20 ? s : s[..20] + "…";
}
