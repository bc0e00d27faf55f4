using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>Index subsets of a split: a class-balanced size limit, and the class-imbalanced variant of the paper's "sample shortage".</summary>
public static class Subsets
{
    /// <summary>
    /// Keeps about <paramref name="limit"/> samples, ⌊limit / C⌋ per class with the remainder spread over the first
    /// classes (a class with fewer samples keeps them all), chosen at random with <paramref name="seed"/>.
    /// </summary>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="limit">Samples to keep; at least N keeps everything.</param>
    /// <param name="seed">Seed of the choice within each class.</param>
    /// <returns>(M) int64 indices, ascending.</returns>
    public static Tensor ClassBalancedLimit(Tensor labels, int limit, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var groups = GroupByClass(labels);
        var random = new Random(seed);
        var kept = new List<long>();
        for (var c = 0; c < groups.Length; c++)
        {
            var quota = (limit / groups.Length) + (c < limit % groups.Length ? 1 : 0);
            var members = groups[c];
            random.Shuffle(members);
            kept.AddRange(members.Take(quota).Select(i => (long)i));
        }

        kept.Sort();
        return torch.tensor(kept.ToArray(), ScalarType.Int64);
    }

    /// <summary>
    /// Class-imbalanced subset: class c keeps its first ⌊n_c · ratio^(−c/(C−1))⌋ samples, so class 0 keeps all
    /// and class C−1 keeps 1/ratio of them.
    /// </summary>
    /// <param name="labels">(N) int64 labels in 0..numClasses-1.</param>
    /// <param name="ratio">Imbalance ratio, at least 1 (1 keeps everything).</param>
    /// <param name="numClasses">C.</param>
    /// <returns>(M) int64 indices, ascending.</returns>
    public static Tensor Imbalanced(Tensor labels, double ratio, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(ratio, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        var values = ToArray(labels);
        var counts = new long[numClasses];
        foreach (var label in values)
        {
            if (label < 0 || label >= numClasses)
            {
                throw new ArgumentException($"label {label} outside 0..{numClasses - 1}", nameof(labels));
            }

            counts[label]++;
        }

        var quotas = new long[numClasses];
        for (var c = 0; c < numClasses; c++)
        {
            var fraction = numClasses == 1 ? 1.0 : Math.Pow(ratio, -(double)c / (numClasses - 1));

            // The tolerance keeps exact products (e.g. 6000 · 0.1) from flooring one short.
            quotas[c] = (long)Math.Floor((counts[c] * fraction) + 1e-9);
        }

        var kept = new List<long>();
        var taken = new long[numClasses];
        for (var i = 0; i < values.Length; i++)
        {
            if (taken[values[i]]++ < quotas[values[i]])
            {
                kept.Add(i);
            }
        }

        return torch.tensor(kept.ToArray(), ScalarType.Int64);
    }

    private static long[] ToArray(Tensor labels)
    {
        using var cpuLabels = labels.cpu();
        return cpuLabels.data<long>().ToArray();
    }

    private static int[][] GroupByClass(Tensor labels) =>
        ToArray(labels)
            .Select((label, index) => (label, index))
            .GroupBy(p => p.label)
            .OrderBy(g => g.Key)
            .Select(g => g.Select(p => p.index).ToArray())
            .ToArray();
}
