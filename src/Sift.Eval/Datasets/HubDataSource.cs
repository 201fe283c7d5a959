namespace Sift.Eval.Datasets;

/// <summary>
/// Where a benchmark is published on the Hugging Face Hub: a dataset repository, a revision, the files (patterns over
/// the repository's paths, matched in order), the sha256 of each file where it is pinned, and renames from the
/// published column names to the harness's field names. A null <see cref="Revision"/> or a missing hash means it
/// could not be verified when the entry was written (no network): the file is then checked only against the hash
/// the Hub reports, and <c>sift eval --list</c> says so.
/// </summary>
internal sealed record HubDataSource
{
    /// <summary>The dataset repository, org/name.</summary>
    public required string Repo { get; init; }

    /// <summary>A pinned commit (40 hex), another branch (e.g. the Hub's refs/convert/parquet), or null for "main".</summary>
    public string? Revision { get; init; }

    /// <summary>Repository path patterns (<c>*</c>, <c>**/</c>); each must match at least one file.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Pinned sha256 per repository path (checked on download and on every cached read).</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();

    /// <summary>Published column → the field name the definition reads.</summary>
    public IReadOnlyDictionary<string, string> Rename { get; init; } = new Dictionary<string, string>();

    /// <summary>What is known and what differs from the harness's file (row count, order, fields).</summary>
    public required string Note { get; init; }

    /// <summary>The revision asked for.</summary>
    public string RevisionOrMain => Revision ?? "main";

    /// <summary>True when both the revision and every file's hash are pinned.</summary>
    public bool Pinned => Revision is not null && Sift.Hub.HubRepo.IsCommitHash(Revision) && Sha256.Count > 0;
}
