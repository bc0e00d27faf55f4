namespace LossLab.Losses;

/// <summary>Options of the triplet loss (<c>triplet</c>, <see cref="TripletLoss"/>).</summary>
public sealed record TripletLossOptions : LossOptions
{
    /// <summary>Margin m, ≥ 0. Default 0.2.</summary>
    [LossOption("margin", "margin m, ≥ 0")]
    public double Margin { get; init => field = OptionChecks.NonNegative(value, nameof(Margin)); } = 0.2;

    /// <summary>How one triplet per anchor is mined. Default <see cref="TripletMining.SemiHard"/>.</summary>
    [LossOption("mining", "triplet mining")]
    public TripletMining Mining { get; init => field = OptionChecks.Defined(value, nameof(Mining)); } = TripletMining.SemiHard;

    /// <summary>Seed of the loss's own generator for its draws; null (default) draws from torch's default generator, which <c>torch.manual_seed</c> makes reproducible.</summary>
    public long? SamplingSeed { get; init; }
}
