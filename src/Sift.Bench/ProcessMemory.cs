using System.Globalization;

namespace Sift.Bench;

/// <summary>Resident-set size of this process from /proc/self (Linux); null elsewhere.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set (VmHWM) in MiB since the process started or the last <see cref="ResetPeak"/>.</summary>
    public static double? PeakRssMb() => ReadStatusKb("VmHWM:") is long kb ? kb / 1024.0 : null;

    /// <summary>Current resident set (VmRSS) in MiB.</summary>
    public static double? CurrentRssMb() => ReadStatusKb("VmRSS:") is long kb ? kb / 1024.0 : null;

    /// <summary>The 1-minute load average (/proc/loadavg), or null: how busy the machine was.</summary>
    public static double? LoadAverage()
    {
        try
        {
            string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Resets the peak to the current RSS (writes 5 to /proc/self/clear_refs); false when not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long? ReadStatusKb(string key)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    string v = line[key.Length..].Trim();
                    int sp = v.IndexOf(' ', StringComparison.Ordinal);
                    return long.Parse(sp < 0 ? v : v[..sp], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
