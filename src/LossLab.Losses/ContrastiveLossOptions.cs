namespace LossLab.Losses;

/// <summary>Options of the contrastive loss (<c>contrastive</c>, <see cref="ContrastiveLoss"/>).</summary>
public sealed record ContrastiveLossOptions : LossOptions
{
    /// <summary>Margin m of negative pairs, ≥ 0. Default 1.0.</summary>
    [LossOption("margin", "margin m of negative pairs, ≥ 0")]
    public double Margin { get; init => field = OptionChecks.NonNegative(value, nameof(Margin)); } = 1.0;
}
