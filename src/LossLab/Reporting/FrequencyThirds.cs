namespace LossLab.Reporting;

/// <summary>
/// Splits the classes of a long-tailed training set into head, middle and tail by their training images: ordered from
/// most to fewest (ties by class index), the first ⌊C/3⌋ are the head, the last ⌊C/3⌋ the tail, the rest the middle
/// (CIFAR-10: 3, 4 and 3 classes).
/// </summary>
public static class FrequencyThirds
{
    /// <summary>The class indices of each third.</summary>
    /// <param name="trainCounts">Training images per class, indexed by class; at least 3 classes.</param>
    public static (int[] Head, int[] Middle, int[] Tail) Split(IReadOnlyList<long> trainCounts)
    {
        ArgumentNullException.ThrowIfNull(trainCounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCounts.Count, 3, nameof(trainCounts));
        var order = Enumerable.Range(0, trainCounts.Count).OrderByDescending(c => trainCounts[c]).ThenBy(c => c).ToArray();
        var third = order.Length / 3;
        return (order[..third], order[third..^third], order[^third..]);
    }

    /// <summary>The mean recall of each third, over the classes of the third that have a recall; NaN where none has.</summary>
    /// <param name="trainCounts">Training images per class.</param>
    /// <param name="classRecall">Test recall per class, null for a class without test images.</param>
    public static (double Head, double Middle, double Tail) MeanRecall(IReadOnlyList<long> trainCounts, IReadOnlyList<double?> classRecall)
    {
        ArgumentNullException.ThrowIfNull(classRecall);
        if (classRecall.Count != trainCounts.Count)
        {
            throw new ArgumentException($"{classRecall.Count} recalls for {trainCounts.Count} classes", nameof(classRecall));
        }

        var (head, middle, tail) = Split(trainCounts);
        double Mean(int[] classes)
        {
            var values = classes.Select(c => classRecall[c]).OfType<double>().ToArray();
            return values.Length == 0 ? double.NaN : values.Average();
        }

        return (Mean(head), Mean(middle), Mean(tail));
    }
}
