namespace LossLab.Losses;

/// <summary>Options of the paper's improved loss (<c>improved</c>, <see cref="ImprovedLoss"/>, SPEC §1).</summary>
public sealed record ImprovedLossOptions : LossOptions
{
    /// <summary>Softmax scale beta, &gt; 0. Default 4 (the paper's best on CIFAR-10).</summary>
    [LossOption("beta", "softmax scale beta, > 0")]
    public double Beta { get; init => field = OptionChecks.Positive(value, nameof(Beta)); } = 4.0;

    /// <summary>Focusing exponent gamma, ≥ 0. Default 5 (the paper's best on CIFAR-10; 10 on Fashion-MNIST).</summary>
    [LossOption("gamma", "focusing exponent gamma, ≥ 0")]
    public double Gamma { get; init => field = OptionChecks.NonNegative(value, nameof(Gamma)); } = 5.0;

    /// <summary>Per-class weights alpha (one per class, or from the class counts); null (default) weighs every class 1.</summary>
    [LossOption("alpha", "per-class weights: one per class, comma-separated, or effective-number:B")]
    public ClassWeights? Alpha { get; init; }
}
