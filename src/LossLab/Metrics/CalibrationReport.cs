namespace LossLab.Metrics;

/// <summary>Calibration of predicted class probabilities (SPEC §5).</summary>
/// <param name="Ece">
/// Expected calibration error: over equal-width bins of the top-1 confidence, the sum of |accuracy − mean confidence|
/// weighted by the bin's share of the rows.
/// </param>
/// <param name="Nll">Negative log-likelihood: the mean of −log p_label (natural log).</param>
/// <param name="Brier">Brier score: the mean over rows of Σ_c (p_c − [c = label])².</param>
/// <param name="Bins">The bins of the ECE, from low to high confidence (the data of a reliability diagram).</param>
public sealed record CalibrationReport(double Ece, double Nll, double Brier, IReadOnlyList<CalibrationBin> Bins)
{
    /// <summary>The scalar metrics under their snake_case names: <c>ece</c>, <c>nll</c>, <c>brier</c>.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["ece"] = Ece,
        ["nll"] = Nll,
        ["brier"] = Brier,
    };
}
