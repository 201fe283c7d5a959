using System.Text.Json.Serialization;

namespace Sift.Pipelines.Training.Metrics;

/// <summary>Reward-model training figures over a logging interval (prm, orm): the {+, −} argmax against the labels.</summary>
internal sealed record StepLabelStats
{
    /// <summary>Share of labelled positions whose 2-way argmax equals the label.</summary>
    [JsonPropertyName("step_accuracy")]
    public double? StepAccuracy { get; init; }

    /// <summary>The same over positive labels only.</summary>
    [JsonPropertyName("positive_accuracy")]
    public double? PositiveAccuracy { get; init; }

    /// <summary>The same over negative labels only.</summary>
    [JsonPropertyName("negative_accuracy")]
    public double? NegativeAccuracy { get; init; }

    /// <summary>Labelled positions counted.</summary>
    [JsonPropertyName("labels")]
    public long Labels { get; init; }
}

/// <summary>Accumulates <see cref="StepLabelStats"/>.</summary>
internal sealed class StepLabelMetrics
{
    private long _pos, _neg, _posRight, _negRight;

    /// <summary>One labelled position.</summary>
    public void Add(bool positive, bool predictedPositive)
    {
        if (positive)
        {
            _pos++;
            _posRight += predictedPositive ? 1 : 0;
        }
        else
        {
            _neg++;
            _negRight += predictedPositive ? 0 : 1;
        }
    }

    /// <summary>Share right so far, or null before any label.</summary>
    public double? Accuracy => _pos + _neg > 0 ? (double)(_posRight + _negRight) / (_pos + _neg) : null;

    /// <summary>The figures so far.</summary>
    public StepLabelStats Stats()
    {
        static double? Share(long k, long n) => n > 0 ? MetricsLog.Round((double)k / n) : null;
        return new StepLabelStats
        {
            StepAccuracy = Share(_posRight + _negRight, _pos + _neg),
            PositiveAccuracy = Share(_posRight, _pos),
            NegativeAccuracy = Share(_negRight, _neg),
            Labels = _pos + _neg,
        };
    }

    /// <summary>Adds the figures to <paramref name="line"/> and resets.</summary>
    public MetricsLine AddTo(MetricsLine line)
    {
        var stats = Stats();
        (_pos, _neg, _posRight, _negRight) = (0, 0, 0, 0);
        return line with { StepLabels = stats };
    }
}
