using System.Text.RegularExpressions;
using Sift.Core;

namespace Sift.Hub;

/// <summary>The kind of a Hub repository; it names the cache folder (<c>models--</c>, <c>datasets--</c>) and the URL prefix.</summary>
public enum HubRepoType
{
    /// <summary>A model repository.</summary>
    Model,

    /// <summary>A dataset repository.</summary>
    Dataset,
}

/// <summary>A Hugging Face Hub repository at a revision (a branch, a tag or a 40-hex commit).</summary>
public sealed partial record HubRepo(HubRepoType Type, string Id, string Revision = "main")
{
    /// <summary>True when <see cref="Revision"/> is a full commit hash (the cache can answer without asking the Hub).</summary>
    public bool RevisionIsCommit => IsCommitHash(Revision);

    /// <summary>The cache folder name, as huggingface_hub spells it: <c>models--org--name</c>.</summary>
    public string FolderName => $"{(Type == HubRepoType.Model ? "models" : "datasets")}--{Id.Replace("/", "--", StringComparison.Ordinal)}";

    /// <summary>The URL path prefix of the repository: <c>org/name</c> or <c>datasets/org/name</c>.</summary>
    public string UrlPath => Type == HubRepoType.Model ? Id : "datasets/" + Id;

    /// <summary>The <c>/api/...</c> collection: <c>models</c> or <c>datasets</c>.</summary>
    public string ApiCollection => Type == HubRepoType.Model ? "models" : "datasets";

    /// <inheritdoc />
    public override string ToString() => Revision == "main" ? Id : $"{Id}@{Revision}";

    /// <summary>True for a 40-character lower-case hex string.</summary>
    public static bool IsCommitHash(string s) => CommitRegex().IsMatch(s);

    /// <summary>
    /// Parses <c>org/name[@revision]</c>; null when <paramref name="spec"/> does not have that shape (so the caller can
    /// say it is neither a folder nor a Hub id). Names follow the Hub's rules: letters, digits, '-', '_', '.',
    /// no "--" or "..", not starting or ending with '-' or '.'.
    /// </summary>
    public static HubRepo? TryParse(string spec, HubRepoType type = HubRepoType.Model)
    {
        string id = spec, revision = "main";
        int at = spec.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            id = spec[..at];
            revision = spec[(at + 1)..];
            if (revision.Length == 0 || revision.Any(char.IsWhiteSpace))
            {
                return null;
            }
        }
        return IdRegex().IsMatch(id) && !id.Contains("--", StringComparison.Ordinal) && !id.Contains("..", StringComparison.Ordinal)
            ? new HubRepo(type, id, revision)
            : null;
    }

    /// <summary>Like <see cref="TryParse"/>, with a clear error for a malformed id.</summary>
    public static HubRepo Parse(string spec, HubRepoType type = HubRepoType.Model) =>
        TryParse(spec, type) ?? throw new SiftException($"'{spec}' is not a Hub repository id (expected org/name or org/name@revision)");

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitRegex();

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?/[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")]
    private static partial Regex IdRegex();
}
