using System.Globalization;

namespace Sift.Sandbox.Tests;

/// <summary>Small limits so hostile programs stay cheap on a 2-core box, and a check for processes left behind.</summary>
internal static class Sandboxes
{
    /// <summary>Options with tight limits; each test class passes its own uid range so their leftover checks never see each other.</summary>
    public static SandboxOptions Tight(int uidBase, SandboxIsolation isolation = SandboxIsolation.Auto) => new()
    {
        Isolation = isolation,
        Timeout = TimeSpan.FromSeconds(4),
        CpuSeconds = 4,
        MemoryBytes = 256L << 20,
        FileSizeBytes = 1L << 20,
        DiskBytes = 8L << 20,
        MaxProcesses = 8,
        OutputLimitBytes = 4096,
        MaxOutputBytes = 1L << 20,
        MaxConcurrency = 2,
        SandboxUidBase = uidBase,
        SandboxUidCount = 16,
    };

    /// <summary>Live (non-zombie) processes whose real uid is in [first, first+count): what a run may not leave behind.</summary>
    public static List<string> ProcessesOfUids(int first, int count)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, out _))
            {
                continue;
            }

            string status;
            try
            {
                status = File.ReadAllText(Path.Combine(dir, "status"));
            }
            catch (IOException)
            {
                continue; // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            int uid = -1;
            bool zombie = false;
            foreach (var line in status.Split('\n'))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    uid = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("State:", StringComparison.Ordinal))
                {
                    zombie = line.Contains('Z', StringComparison.Ordinal) || line.Contains('X', StringComparison.Ordinal);
                }
            }

            if (uid >= first && uid < first + count && !zombie)
            {
                found.Add($"{name} (uid {uid})");
            }
        }

        return found;
    }

    /// <summary>Processes whose command line contains <paramref name="token"/> (for programs that run as the caller's uid).</summary>
    public static List<string> ProcessesWithToken(string token)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var state = File.ReadAllText(Path.Combine(dir, "stat"));
                bool zombie = state[(state.LastIndexOf(')') + 2)..].StartsWith('Z');
                if (cmd.Contains(token, StringComparison.Ordinal) && !zombie)
                {
                    found.Add(Path.GetFileName(dir) + ": " + cmd.Replace('\0', ' '));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone, or not ours to read
            }
        }

        return found;
    }
}
