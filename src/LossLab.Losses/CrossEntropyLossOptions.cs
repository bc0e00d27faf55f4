namespace LossLab.Losses;

/// <summary>Options of the softmax cross-entropy (<c>ce</c>, <see cref="CrossEntropyLoss"/>).</summary>
public sealed record CrossEntropyLossOptions : LossOptions
{
    /// <summary>Label smoothing, in [0, 1). Default 0.</summary>
    [LossOption("label-smoothing", "label smoothing, in [0, 1)")]
    public double LabelSmoothing { get; init => field = OptionChecks.Fraction(value, nameof(LabelSmoothing)); } = 0.0;
}
