namespace Sift.Engine.Inference;

/// <summary>
/// Which prompt each slot's cache starts with, and the logits after it, kept after the slot's request ends: a request
/// whose prompt a slot already holds (another sample of it, running or finished) copies those cache rows instead of
/// computing them again. One implementation for batched generation and the server.
/// </summary>
public sealed class PromptSharing(int slots)
{
    private readonly int[]?[] _prompt = new int[]?[slots];
    private readonly float[]?[] _logits = new float[]?[slots];

    /// <summary>
    /// Makes slot <paramref name="slot"/> of <paramref name="session"/> hold <paramref name="prompt"/> and writes the
    /// logits after it to <paramref name="last"/>: copied from a slot that holds it (this one first), else computed.
    /// Returns true when it was computed.
    /// </summary>
    public bool Place(IDecodeSession session, int slot, int[] prompt, Span<float> last)
    {
        int donor = Donor(prompt, slot);
        if (donor >= 0)
        {
            session.ForkPrefix(donor, slot, prompt.Length);
            _prompt[slot] = _prompt[donor];
            _logits[slot] = _logits[donor];
            _logits[slot].AsSpan().CopyTo(last);
            return false;
        }
        session.Reset(slot);
        session.Prefill(slot, prompt, last);
        Record(slot, prompt, last);
        return true;
    }

    /// <summary>Records that <paramref name="slot"/>'s cache now starts with <paramref name="prompt"/>, followed by <paramref name="last"/>.</summary>
    public void Record(int slot, int[] prompt, ReadOnlySpan<float> last)
    {
        _prompt[slot] = prompt;
        _logits[slot] = last.ToArray();
    }

    /// <summary>Never offers <paramref name="slot"/> as a donor again (its cache may be half written).</summary>
    public void Forget(int slot)
    {
        _prompt[slot] = null;
        _logits[slot] = null;
    }

    // A slot whose cache starts with `prompt` (this slot first: nothing to copy), or -1.
    private int Donor(int[] prompt, int self)
    {
        if (Holds(self, prompt))
        {
            return self;
        }
        for (int d = 0; d < _prompt.Length; d++)
        {
            if (d != self && Holds(d, prompt))
            {
                return d;
            }
        }
        return -1;
    }

    private bool Holds(int slot, int[] prompt) =>
        _prompt[slot] is { } p && (ReferenceEquals(p, prompt) || p.AsSpan().SequenceEqual(prompt));
}
