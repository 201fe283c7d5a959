namespace Sift.Grading.Parsing;

/// <summary>Token kinds of the math tokenizer.</summary>
internal enum TokenKind
{
    Number,
    Letter,
    Word,
    Command,
    Text,
    Op,
    Begin,
    End,
    RowSep,
    Eof,
}

/// <summary>One token; <see cref="SpaceBefore"/> records whitespace before it (mixed numbers need it).</summary>
internal readonly record struct Token(TokenKind Kind, string Text, bool SpaceBefore)
{
    public bool Is(TokenKind kind, string text) => Kind == kind && Text == text;

    public bool IsOp(string text) => Kind == TokenKind.Op && Text == text;

    public override string ToString() => Kind + ":" + Text;
}
