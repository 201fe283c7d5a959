using System.Diagnostics;

namespace Sift.Grading;

/// <summary>Thrown (and caught inside the grader) when a comparison exceeds its time budget or is cancelled.</summary>
public sealed class GradeTimeoutException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GradeTimeoutException()
        : base("grading time budget exceeded")
    {
    }
}

/// <summary>A cooperative time budget: long-running loops call <see cref="Check"/>; no threads or signals are involved.</summary>
public sealed class Budget
{
    private readonly long _deadline;
    private readonly CancellationToken _token;
    private int _counter;

    /// <summary>Creates a budget of <paramref name="limit"/> from now, also honouring <paramref name="token"/>.</summary>
    public Budget(TimeSpan limit, CancellationToken token = default)
    {
        _deadline = limit == Timeout.InfiniteTimeSpan || limit >= TimeSpan.FromDays(1)
            ? long.MaxValue
            : Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        _token = token;
    }

    /// <summary>A budget that never expires.</summary>
    public static Budget Unlimited => new(Timeout.InfiniteTimeSpan);

    /// <summary>Throws <see cref="GradeTimeoutException"/> when the deadline passed or the token was cancelled (checked every 32 calls).</summary>
    public void Check()
    {
        if ((++_counter & 31) != 0)
        {
            return;
        }

        CheckNow();
    }

    /// <summary>Checks immediately.</summary>
    public void CheckNow()
    {
        if (_token.IsCancellationRequested || (_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline))
        {
            throw new GradeTimeoutException();
        }
    }
}
