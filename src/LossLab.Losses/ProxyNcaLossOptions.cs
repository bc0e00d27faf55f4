namespace LossLab.Losses;

/// <summary>Options of proxy-NCA (<c>proxynca</c>, <see cref="ProxyNcaLoss"/>).</summary>
public sealed record ProxyNcaLossOptions : LossOptions
{
    /// <summary>Learning rate of the proxies as a multiple of the model's, &gt; 0. Default 50.</summary>
    [LossOption("proxy-lr-mult", "learning rate of the proxies as a multiple of --lr, > 0")]
    public double ProxyLrMultiplier { get; init => field = OptionChecks.Positive(value, nameof(ProxyLrMultiplier)); } = 50.0;
}
