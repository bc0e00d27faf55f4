namespace LossLab.Losses;

/// <summary>Options of the softmax focal loss (<c>focal</c>, <see cref="FocalLoss"/>).</summary>
public sealed record FocalLossOptions : LossOptions
{
    /// <summary>Focusing exponent gamma, ≥ 0. Default 2 (Lin et al. 2017).</summary>
    [LossOption("gamma", "focusing exponent gamma, ≥ 0")]
    public double Gamma { get; init => field = OptionChecks.NonNegative(value, nameof(Gamma)); } = 2.0;

    /// <summary>Per-class weights alpha (one per class, or from the class counts); null (default) weighs every class 1.</summary>
    [LossOption("alpha", "per-class weights: one per class, comma-separated, or effective-number:B")]
    public ClassWeights? Alpha { get; init; }
}
