using Sift.Core.Reporting;

namespace Sift.Pipelines.Demo;

/// <summary>
/// The numbered stage list a demo prints ("[3/13] what", then its time or "cached") and the records it collects for
/// the report: one implementation for the demos built from <see cref="StageStore"/> stages.
/// </summary>
internal sealed class StageSteps(int total, IProgressReporter progress)
{
    private int _done;

    /// <summary>Announces the last item ("[13/13] report"), which is not a cached stage.</summary>
    public void Last(string what) => progress.Line($"[{total}/{total}] {what}");

    /// <summary>Every stage run or found finished, in order.</summary>
    public List<StageRecord> Records { get; } = [];

    /// <summary>Announces stage <paramref name="what"/>, runs (or skips) it and records it.</summary>
    public StageRecord<T> Run<T>(string what, Func<StageRecord<T>> run) where T : IStageResult
    {
        progress.Line($"[{++_done}/{total}] {what}");
        var r = run();
        Records.Add(r);
        progress.Line($"      {(r.Cached ? "cached" : ConsoleProgress.Fmt(TimeSpan.FromSeconds(r.Seconds)))}");
        return r;
    }
}
