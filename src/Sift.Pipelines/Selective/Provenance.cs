namespace Sift.Pipelines.Selective;

/// <summary>Names of per-token provenance labels (values of the byte side shard written with the web corpus).</summary>
internal static class ProvenanceNames
{
    /// <summary>Label value → stable name (<see cref="Sift.Synth.ProvenanceInfo.Name(byte)"/>); unknown values print as "label-N".</summary>
    public static string Of(byte label) => Sift.Synth.ProvenanceInfo.Name(label);
}
