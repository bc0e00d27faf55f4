namespace LossLab.Losses;

/// <summary>Options of the N-pair loss (<c>npair</c>, <see cref="NPairLoss"/>).</summary>
public sealed record NPairLossOptions : LossOptions
{
    /// <summary>Weight λ of the embedding-norm penalty, ≥ 0. Default 0.005.</summary>
    [LossOption("npair-l2", "weight λ of the embedding L2 penalty, ≥ 0")]
    public double L2Weight { get; init => field = OptionChecks.NonNegative(value, nameof(L2Weight)); } = 0.005;

    /// <summary>Seed of the loss's own generator for its draws; null (default) draws from torch's default generator, which <c>torch.manual_seed</c> makes reproducible.</summary>
    public long? SamplingSeed { get; init; }
}
