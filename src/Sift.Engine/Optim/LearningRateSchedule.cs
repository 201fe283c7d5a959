namespace Sift.Engine.Optim;

/// <summary>Linear warmup from 0 to the peak, then cosine decay to the minimum at the last step (or constant).</summary>
/// <param name="PeakLr">Learning rate after warmup.</param>
/// <param name="MinLr">Learning rate at the end of the decay.</param>
/// <param name="WarmupSteps">Steps of linear warmup.</param>
/// <param name="TotalSteps">Total optimizer steps.</param>
/// <param name="Kind">"cosine" (default), "linear" or "constant".</param>
public sealed record LearningRateSchedule(float PeakLr, float MinLr, long WarmupSteps, long TotalSteps, string Kind = "cosine")
{
    /// <summary>Learning rate for 0-based step <paramref name="step"/>.</summary>
    public float At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps)
        {
            return PeakLr * (step + 1) / WarmupSteps;
        }
        if (Kind == "constant" || TotalSteps <= WarmupSteps)
        {
            return PeakLr;
        }
        double progress = Math.Clamp((double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps - 1), 0, 1);
        double factor = Kind == "linear" ? 1 - progress : 0.5 * (1 + Math.Cos(Math.PI * progress));
        return (float)(MinLr + (PeakLr - MinLr) * factor);
    }
}
