namespace LossLab.Losses;

/// <summary>
/// Overrides of loss hyperparameters; null means the loss's default (SPEC §1–2). One options object can serve every
/// loss of a comparison: each loss reads the options it defines and ignores the others
/// (<see cref="LossRegistry.UnusedOptions"/> lists those).
/// </summary>
public sealed record LossOptions
{
    /// <summary>Softmax scale beta of <c>improved</c>, &gt; 0. Default 4.</summary>
    public double? Beta { get; init; }

    /// <summary>Focusing exponent gamma of <c>improved</c> and <c>focal</c>, ≥ 0. Defaults 5 (improved) and 2 (focal).</summary>
    public double? Gamma { get; init; }

    /// <summary>Per-class weights alpha of <c>improved</c> and <c>focal</c>, length = number of classes, each ≥ 0. Default none (all 1).</summary>
    public double[]? Alpha { get; init; }

    /// <summary>Label smoothing of <c>ce</c>, in [0, 1). Default 0.</summary>
    public double? LabelSmoothing { get; init; }

    /// <summary>Margin m of <c>triplet</c> (default 0.2) and <c>contrastive</c> (default 1.0), ≥ 0.</summary>
    public double? Margin { get; init; }

    /// <summary>Triplet mining of <c>triplet</c>: <c>semi-hard</c> (default) or <c>batch-hard</c>.</summary>
    public string? TripletMining { get; init; }

    /// <summary>Margin α of <c>margin</c>, ≥ 0. Default 0.2.</summary>
    public double? MarginAlpha { get; init; }

    /// <summary>Initial per-class boundary β₀ of <c>margin</c>, ≥ 0. Default 1.2.</summary>
    public double? MarginBeta { get; init; }

    /// <summary>Absolute learning rate of the boundaries β of <c>margin</c>, &gt; 0. Default 5e-4.</summary>
    public double? MarginBetaLr { get; init; }

    /// <summary>Whether <c>margin</c> samples no negative at distance ≥ 1.4. Default false.</summary>
    public bool? DistanceCutoff { get; init; }

    /// <summary>Learning rate of the <c>proxynca</c> proxies as a multiple of the model's, &gt; 0. Default 50.</summary>
    public double? ProxyLrMultiplier { get; init; }

    /// <summary>Weight λ of the embedding-norm penalty of <c>npair</c>, ≥ 0. Default 0.005.</summary>
    public double? NPairL2 { get; init; }

    /// <summary>
    /// Seed of the sampling generator of <c>triplet</c>, <c>margin</c> and <c>npair</c>; null (default) draws from torch's
    /// default generator, which <c>torch.manual_seed</c> makes reproducible.
    /// </summary>
    public long? SamplingSeed { get; init; }
}
