namespace LossLab.Losses;

/// <summary>Options of the margin loss (<c>margin</c>, <see cref="MarginLoss"/>, Wu et al. 2017).</summary>
public sealed record MarginLossOptions : LossOptions
{
    /// <summary>Margin α around the boundary, ≥ 0. Default 0.2.</summary>
    [LossOption("margin", "margin α around the boundary, ≥ 0")]
    public double Alpha { get; init => field = OptionChecks.NonNegative(value, nameof(Alpha)); } = 0.2;

    /// <summary>Initial per-class boundary β₀, ≥ 0. Default 1.2.</summary>
    [LossOption("margin-beta", "initial per-class boundary β₀, ≥ 0")]
    public double InitialBeta { get; init => field = OptionChecks.NonNegative(value, nameof(InitialBeta)); } = 1.2;

    /// <summary>Absolute learning rate of the boundaries β, &gt; 0 (whatever the model's). Default 5e-4.</summary>
    [LossOption("margin-beta-lr", "learning rate of the boundaries β, > 0")]
    public double BetaLearningRate { get; init => field = OptionChecks.Positive(value, nameof(BetaLearningRate)); } = 5e-4;

    /// <summary>Whether no negative at distance ≥ 1.4 is sampled. Default false.</summary>
    [LossOption("distance-cutoff", "sample negatives only below distance 1.4")]
    public bool DistanceCutoff { get; init; }

    /// <summary>Seed of the loss's own generator for its draws; null (default) draws from torch's default generator, which <c>torch.manual_seed</c> makes reproducible.</summary>
    public long? SamplingSeed { get; init; }
}
