using System.Text.Json.Serialization;
using Sift.Pipelines.Training.Metrics;

namespace Sift.Pipelines.Training.FineTuning;

/// <summary>TRL's logged preference statistics over a logging interval (spec §3.1, §3.2).</summary>
internal sealed record PreferenceStats
{
    /// <summary>Mean β·ρ of chosen (DPO) or desirable (KTO) completions.</summary>
    [JsonPropertyName("rewards_chosen")]
    public double? RewardsChosen { get; init; }

    /// <summary>Mean β·ρ of rejected or undesirable completions.</summary>
    [JsonPropertyName("rewards_rejected")]
    public double? RewardsRejected { get; init; }

    /// <summary>DPO: share of pairs with β·ρ_w &gt; β·ρ_l.</summary>
    [JsonPropertyName("reward_accuracy")]
    public double? RewardAccuracy { get; init; }

    /// <summary>DPO: mean β·ρ_w − β·ρ_l.</summary>
    [JsonPropertyName("reward_margin")]
    public double? RewardMargin { get; init; }

    /// <summary>KTO: mean KL estimate z0.</summary>
    [JsonPropertyName("kl")]
    public double? Kl { get; init; }
}

/// <summary>Accumulates <see cref="PreferenceStats"/> between metrics records.</summary>
internal sealed class PreferenceMetrics
{
    private double _chosen, _rejected, _correct, _margin, _kl;
    private long _nChosen, _nRejected, _pairs, _kls;

    /// <summary>One DPO pair's rewards.</summary>
    public void AddPair(double chosenReward, double rejectedReward)
    {
        AddChosen(chosenReward);
        AddRejected(rejectedReward);
        _correct += chosenReward > rejectedReward ? 1 : 0;
        _margin += chosenReward - rejectedReward;
        _pairs++;
    }

    /// <summary>A chosen or desirable completion's reward.</summary>
    public void AddChosen(double reward) => (_chosen, _nChosen) = (_chosen + reward, _nChosen + 1);

    /// <summary>A rejected or undesirable completion's reward.</summary>
    public void AddRejected(double reward) => (_rejected, _nRejected) = (_rejected + reward, _nRejected + 1);

    /// <summary>A KTO micro-batch's KL estimate.</summary>
    public void AddKl(double kl) => (_kl, _kls) = (_kl + kl, _kls + 1);

    /// <summary>Adds the means to <paramref name="line"/> and resets.</summary>
    public MetricsLine AddTo(MetricsLine line)
    {
        static double? Mean(double s, long n) => n > 0 ? MetricsLog.Round(s / n) : null;
        var stats = new PreferenceStats
        {
            RewardsChosen = Mean(_chosen, _nChosen),
            RewardsRejected = Mean(_rejected, _nRejected),
            RewardAccuracy = Mean(_correct, _pairs),
            RewardMargin = Mean(_margin, _pairs),
            Kl = Mean(_kl, _kls),
        };
        (_chosen, _rejected, _correct, _margin, _kl, _nChosen, _nRejected, _pairs, _kls) = (0, 0, 0, 0, 0, 0, 0, 0, 0);
        return line with { Preference = stats };
    }
}
