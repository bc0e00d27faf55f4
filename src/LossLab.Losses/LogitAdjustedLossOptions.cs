namespace LossLab.Losses;

/// <summary>Options of the logit-adjusted cross-entropy (<c>logit-adjusted</c>, <see cref="LogitAdjustedLoss"/>).</summary>
public sealed record LogitAdjustedLossOptions : LossOptions
{
    /// <summary>Scale τ of the log prior added to the logits in training, ≥ 0 (0 is cross-entropy). Default 1.</summary>
    [LossOption("tau", "scale τ of the log class prior added to the logits in training, ≥ 0")]
    public double Tau { get; init => field = OptionChecks.NonNegative(value, nameof(Tau)); } = 1.0;
}
