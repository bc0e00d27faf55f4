namespace LossLab.Metrics;

/// <summary>Classification metrics of one evaluation (SPEC §5), computed in double precision.</summary>
/// <param name="Accuracy">Fraction of samples whose prediction equals the label.</param>
/// <param name="F1Macro">
/// Mean per-class F1 = 2TP/(2TP+FP+FN) over the classes present in the labels or the
/// predictions, as scikit-learn's <c>f1_score(average='macro', zero_division=0)</c>.
/// </param>
/// <param name="Nmi">Normalised mutual information of predictions and labels (arithmetic mean of the entropies, natural log).</param>
/// <param name="ConfusionMatrix">Counts indexed <c>[true class][predicted class]</c>, numClasses × numClasses.</param>
public sealed record ClassificationReport(double Accuracy, double F1Macro, double Nmi, long[][] ConfusionMatrix)
{
    /// <summary>
    /// Recall of each class, TP / (TP + FN), indexed by class; null for a class absent from the labels (whose recall is
    /// undefined).
    /// </summary>
    public IReadOnlyList<double?> ClassRecall => ConfusionMatrix
        .Select((row, c) => row.Sum() is var total and > 0 ? (double?)row[c] / total : null)
        .ToArray();

    /// <summary>
    /// Balanced accuracy as scikit-learn's <c>balanced_accuracy_score</c>: the mean of <see cref="ClassRecall"/> over the
    /// classes present in the labels.
    /// </summary>
    public double BalancedAccuracy => ClassRecall.OfType<double>().Average();

    /// <summary>The scalar metrics under their snake_case names: <c>accuracy</c>, <c>f1_macro</c>, <c>nmi</c>.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["accuracy"] = Accuracy,
        ["f1_macro"] = F1Macro,
        ["nmi"] = Nmi,
    };
}
