using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// Classification metrics of SPEC §5: accuracy, macro-F1, NMI and the confusion matrix,
/// with scikit-learn's definitions and edge cases, in double precision.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Computes every classification metric of <paramref name="predictions"/> against <paramref name="labels"/>.</summary>
    /// <param name="labels">True classes, each in [0, numClasses).</param>
    /// <param name="predictions">Predicted classes, each in [0, numClasses), same length as the labels.</param>
    /// <param name="numClasses">Number of classes; sizes the confusion matrix.</param>
    public static ClassificationReport Compute(ReadOnlySpan<long> labels, ReadOnlySpan<long> predictions, int numClasses)
    {
        var confusion = ConfusionMatrix(labels, predictions, numClasses);
        return new ClassificationReport(
            AccuracyOf(confusion, labels.Length),
            F1MacroOf(confusion),
            Nmi(labels, predictions),
            confusion);
    }

    /// <summary>Counts <c>[true class][predicted class]</c>, numClasses × numClasses.</summary>
    /// <param name="labels">True classes, each in [0, numClasses).</param>
    /// <param name="predictions">Predicted classes, each in [0, numClasses), same length as the labels.</param>
    /// <param name="numClasses">Number of classes, at least 1.</param>
    public static long[][] ConfusionMatrix(ReadOnlySpan<long> labels, ReadOnlySpan<long> predictions, int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        CheckSameNonEmptyLength(labels, predictions);
        var confusion = new long[numClasses][];
        for (var c = 0; c < numClasses; c++)
        {
            confusion[c] = new long[numClasses];
        }

        for (var i = 0; i < labels.Length; i++)
        {
            var y = labels[i];
            var p = predictions[i];
            if ((ulong)y >= (ulong)numClasses)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), y, $"Label at index {i} is outside [0, {numClasses}).");
            }

            if ((ulong)p >= (ulong)numClasses)
            {
                throw new ArgumentOutOfRangeException(nameof(predictions), p, $"Prediction at index {i} is outside [0, {numClasses}).");
            }

            confusion[y][p]++;
        }

        return confusion;
    }

    /// <summary>
    /// Macro-F1 as scikit-learn's <c>f1_score(average='macro', zero_division=0)</c> with
    /// <c>labels=None</c>: the mean of 2TP/(2TP+FP+FN) over the classes that occur in the
    /// labels or the predictions (classes absent from both are ignored).
    /// </summary>
    /// <param name="labels">True classes, each in [0, numClasses).</param>
    /// <param name="predictions">Predicted classes, each in [0, numClasses), same length as the labels.</param>
    /// <param name="numClasses">Number of classes.</param>
    public static double F1Macro(ReadOnlySpan<long> labels, ReadOnlySpan<long> predictions, int numClasses) =>
        F1MacroOf(ConfusionMatrix(labels, predictions, numClasses));

    /// <summary>
    /// Normalised mutual information of two labelings with arbitrary integer values, as
    /// scikit-learn's <c>normalized_mutual_info_score(average_method='arithmetic')</c>:
    /// MI / ((H(a) + H(b)) / 2), natural log. Both labelings a single value → 1; exactly one a
    /// single value (MI = 0) → 0; empty → 1. Symmetric in its arguments.
    /// </summary>
    /// <param name="a">First labeling (e.g. true classes).</param>
    /// <param name="b">Second labeling (e.g. clusters), same length.</param>
    public static double Nmi(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The labelings differ in length: {a.Length} and {b.Length}.", nameof(b));
        }

        if (a.Length == 0)
        {
            return 1.0;
        }

        var table = ContingencyTable.Build(a, b);
        var rows = table.RowTotals;
        var columns = table.ColumnTotals;
        if (rows.Length == 1 && columns.Length == 1)
        {
            // No split on either side: a perfect match by scikit-learn's convention.
            return 1.0;
        }

        var mi = MutualInformation(table);
        if (mi == 0.0)
        {
            return 0.0;
        }

        return mi / ((Entropy(rows, table.Total) + Entropy(columns, table.Total)) / 2.0);
    }

    /// <summary>
    /// Fraction of samples whose label is among the <paramref name="k"/> largest logits.
    /// </summary>
    /// <param name="logits">(N, C) scores.</param>
    /// <param name="labels">(N) int64 classes.</param>
    /// <param name="k">How many top classes count as a hit, in [1, C].</param>
    public static double TopKAccuracy(Tensor logits, Tensor labels, int k)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.dim() != 2)
        {
            throw new ArgumentException($"Expected (N, C) logits, got shape [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        if (labels.dim() != 1 || labels.shape[0] != logits.shape[0])
        {
            throw new ArgumentException($"Expected ({logits.shape[0]}) labels, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, logits.shape[1]);
        ArgumentOutOfRangeException.ThrowIfZero(logits.shape[0], nameof(logits));

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var top = logits.topk(k, dim: 1).indexes;
        var hits = top.eq(labels.to(top.device).unsqueeze(1)).any(1);
        return hits.sum().item<long>() / (double)logits.shape[0];
    }

    private static double AccuracyOf(long[][] confusion, int total)
    {
        long correct = 0;
        for (var c = 0; c < confusion.Length; c++)
        {
            correct += confusion[c][c];
        }

        return correct / (double)total;
    }

    private static double F1MacroOf(long[][] confusion)
    {
        var numClasses = confusion.Length;
        var predicted = new long[numClasses];
        var actual = new long[numClasses];
        for (var y = 0; y < numClasses; y++)
        {
            for (var p = 0; p < numClasses; p++)
            {
                actual[y] += confusion[y][p];
                predicted[p] += confusion[y][p];
            }
        }

        var sum = 0.0;
        var present = 0;
        for (var c = 0; c < numClasses; c++)
        {
            // 2TP + FP + FN = predicted + actual, non-zero exactly for the classes in the union.
            var denominator = predicted[c] + actual[c];
            if (denominator > 0)
            {
                sum += 2.0 * confusion[c][c] / denominator;
                present++;
            }
        }

        return sum / present;
    }

    private static double MutualInformation(ContingencyTable table)
    {
        if (table.RowTotals.Length == 1 || table.ColumnTotals.Length == 1)
        {
            return 0.0;
        }

        // MI = Σ_ij (n_ij/N) log(N n_ij / (a_i b_j)); the marginal terms are folded in through the
        // entropies, which keeps the sum over non-zero cells only.
        double n = table.Total;
        var logN = Math.Log(n);
        var cellTerm = 0.0;
        foreach (var count in table.CellCounts)
        {
            cellTerm += count / n * (Math.Log(count) - logN);
        }

        var mi = cellTerm
            + Entropy(table.RowTotals, table.Total)
            + Entropy(table.ColumnTotals, table.Total);

        // Independent labelings give an MI that is zero up to rounding; scikit-learn clips at 0
        // and treats round-off as exactly zero.
        return mi < 1e-15 ? 0.0 : mi;
    }

    private static double Entropy(long[] counts, long total)
    {
        if (counts.Length == 1)
        {
            return 0.0;
        }

        double n = total;
        var logN = Math.Log(n);
        var h = 0.0;
        foreach (var count in counts)
        {
            h -= count / n * (Math.Log(count) - logN);
        }

        return h;
    }

    private static void CheckSameNonEmptyLength(ReadOnlySpan<long> labels, ReadOnlySpan<long> predictions)
    {
        if (labels.Length != predictions.Length)
        {
            throw new ArgumentException($"Labels ({labels.Length}) and predictions ({predictions.Length}) differ in length.", nameof(predictions));
        }

        if (labels.Length == 0)
        {
            throw new ArgumentException("No samples to evaluate.", nameof(labels));
        }
    }
}
