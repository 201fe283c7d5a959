namespace Sift.Pipelines.Selective;

/// <summary>Names of per-token provenance labels (values of the byte side shard written with the web corpus).</summary>
public static class ProvenanceNames
{
    /// <summary>Label value → stable name; unknown values print as "label-N".</summary>
    public static string Of(byte label) => label switch
    {
        0 => "clean",
        1 => "boilerplate",
        2 => "ids",
        3 => "table",
        4 => "prose",
        5 => "wrong_context",
        6 => "wrong_number",
        255 => "separator",
        _ => $"label-{label}",
    };
}
