namespace Sift.Text;

/// <summary>
/// A token matched as an exact string before BPE (HF's added_tokens). Special tokens (BOS/EOS, chat markers)
/// are matched only when the caller allows it; non-special added tokens are always matched, as in HF.
/// </summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Special">True for control tokens (matched only with allowSpecial).</param>
/// <param name="LStrip">A match also swallows whitespace on its left.</param>
/// <param name="RStrip">A match also swallows whitespace on its right.</param>
/// <param name="Normalized">HF's flag, kept for saving; Sift always matches against the raw text.</param>
/// <param name="SingleWord">HF's flag, kept for saving; not used for matching.</param>
public sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false,
    bool Normalized = false, bool SingleWord = false);
