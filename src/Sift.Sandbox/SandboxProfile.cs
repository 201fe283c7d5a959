namespace Sift.Sandbox;

/// <summary>What isolation <see cref="PythonSandbox"/> found it can use on this machine (probed once, by running a program).</summary>
/// <param name="Namespaces">Programs run in new network, pid, mount and IPC namespaces (no network; a private /tmp and /proc; nothing outlives the run).</param>
/// <param name="UserNamespace">The namespaces come with a user namespace (Sift is not root).</param>
/// <param name="DropsPrivileges">Programs run as a dedicated unprivileged uid leased per run (Sift is root), so RLIMIT_NPROC applies and limits cannot be raised.</param>
/// <param name="ProcessLimit">RLIMIT_NPROC is applied.</param>
/// <param name="Notes">Plain-language lines on what is and is not protected.</param>
/// <param name="Error">Set when no program can run (no Python, or the required isolation is unavailable).</param>
public sealed record SandboxProfile(bool Namespaces, bool UserNamespace, bool DropsPrivileges, bool ProcessLimit, IReadOnlyList<string> Notes, string? Error = null)
{
    /// <summary>One line per note, for logs and <c>--json</c> summaries.</summary>
    public string Describe() => Error is not null ? "sandbox unavailable: " + Error : string.Join("; ", Notes);
}
