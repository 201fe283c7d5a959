namespace Sift.Synth;

/// <summary>
/// Where a character (and, after packing, a token) of the synthetic web corpus came from. The values are
/// stored in byte side shards, so they never change; new kinds get new values.
/// </summary>
public enum Provenance : byte
{
    /// <summary>A correct worked word problem (the reference model's kind of text).</summary>
    Clean = 0,

    /// <summary>Navigation, cookie notices, share buttons, footers, forum chrome.</summary>
    Boilerplate = 1,

    /// <summary>Random identifiers, URLs, hashes, session tokens.</summary>
    Ids = 2,

    /// <summary>Tables and grids of random numbers.</summary>
    Table = 3,

    /// <summary>Off-topic prose (travel, cooking, sports, product reviews, ...).</summary>
    Prose = 4,

    /// <summary>The text of a worked problem that contains a wrong step (everything but the wrong numbers).</summary>
    WrongContext = 5,

    /// <summary>A number that is wrong because of a wrong step (the first wrong result and everything derived from it).</summary>
    WrongNumber = 6,

    /// <summary>Correct expository math prose (explanations with worked examples); clean-quality text.</summary>
    MathProse = 7,

    /// <summary>The end-of-document token between documents in a packed stream.</summary>
    Separator = 255,
}

/// <summary>Stable names of <see cref="Provenance"/> values (used in metrics, manifests and charts).</summary>
public static class ProvenanceInfo
{
    /// <summary>Every kind a synthetic character can have, in value order (the separator is a token, not a character).</summary>
    public static IReadOnlyList<Provenance> TextKinds { get; } =
    [
        Provenance.Clean, Provenance.Boilerplate, Provenance.Ids, Provenance.Table, Provenance.Prose,
        Provenance.WrongContext, Provenance.WrongNumber, Provenance.MathProse,
    ];

    /// <summary>Label value → stable name; unknown values print as "label-N".</summary>
    public static string Name(byte label) => (Provenance)label switch
    {
        Provenance.Clean => "clean",
        Provenance.Boilerplate => "boilerplate",
        Provenance.Ids => "ids",
        Provenance.Table => "table",
        Provenance.Prose => "prose",
        Provenance.WrongContext => "wrong_context",
        Provenance.WrongNumber => "wrong_number",
        Provenance.MathProse => "math_prose",
        Provenance.Separator => "separator",
        _ => $"label-{label}",
    };

    /// <summary>The name of a kind.</summary>
    public static string Name(this Provenance p) => Name((byte)p);

    /// <summary>Parses a name (as printed by <see cref="Name(byte)"/>); null when unknown.</summary>
    public static Provenance? Parse(string name)
    {
        foreach (var p in TextKinds.Append(Provenance.Separator))
        {
            if (p.Name() == name)
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>True for the kinds a data filter should keep (correct problems and correct math prose).</summary>
    public static bool IsCleanKind(this Provenance p) => p is Provenance.Clean or Provenance.MathProse;
}
