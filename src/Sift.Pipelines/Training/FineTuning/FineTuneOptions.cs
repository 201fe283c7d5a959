namespace Sift.Pipelines.Training.FineTuning;

/// <summary>
/// Recipe settings of example training (answer-only SFT, DPO/IPO, KTO), with TRL's defaults (spec §3): β 0.1,
/// sigmoid loss, no label smoothing, KTO weights 1.
/// </summary>
internal sealed record FineTuneOptions
{
    /// <summary>sft: pack several whole documents per row (per-document attention and positions).</summary>
    public bool Pack { get; init; }

    /// <summary>β of DPO, IPO (τ) and KTO.</summary>
    public double Beta { get; init; } = 0.1;

    /// <summary>DPO's loss: sigmoid or hinge (IPO is its own objective).</summary>
    public DpoLoss DpoLoss { get; init; } = DpoLoss.Sigmoid;

    /// <summary>Label smoothing ε of the sigmoid loss (cDPO), in [0, 0.5).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>KTO's λ_D.</summary>
    public double DesirableWeight { get; init; } = 1;

    /// <summary>KTO's λ_U.</summary>
    public double UndesirableWeight { get; init; } = 1;
}
