namespace LossLab.Losses;

/// <summary>How per-sample losses are combined.</summary>
public enum Reduction
{
    /// <summary>Mean over samples (the default).</summary>
    Mean,

    /// <summary>Sum over samples.</summary>
    Sum,

    /// <summary>No reduction: one value per sample.</summary>
    None,
}
