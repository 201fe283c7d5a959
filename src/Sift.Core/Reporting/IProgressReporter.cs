namespace Sift.Core.Reporting;

/// <summary>Progress of a long job: a bar with ETA on a terminal, plain log lines otherwise.</summary>
public interface IProgressReporter
{
    /// <summary>Reports that <paramref name="done"/> of <paramref name="total"/> units are finished, with a status text.</summary>
    void Report(string task, long done, long total, string status);

    /// <summary>Prints a line that stays (above the bar on a terminal).</summary>
    void Line(string text);

    /// <summary>Ends the current bar.</summary>
    void Done();
}

/// <summary>Discards everything (tests, --json runs).</summary>
public sealed class NullProgress : IProgressReporter
{
    /// <summary>The shared instance.</summary>
    public static NullProgress Instance { get; } = new();

    /// <inheritdoc />
    public void Report(string task, long done, long total, string status)
    {
    }

    /// <inheritdoc />
    public void Line(string text)
    {
    }

    /// <inheritdoc />
    public void Done()
    {
    }
}
