namespace LossLab.Data;

/// <summary>
/// Reproducible per-epoch sample orders. Unlike a data loader seeded once (which repeats one order every
/// epoch), each epoch gets its own order derived from (seed, epoch), so a resumed run sees the same orders.
/// </summary>
public static class EpochOrder
{
    /// <summary>A random permutation of 0..n-1, fixed by (seed, epoch) and different across epochs.</summary>
    /// <param name="n">Number of samples.</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="epoch">Epoch number.</param>
    public static int[] Shuffle(int n, int seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        new Random(EpochSeed(seed, epoch)).Shuffle(order);
        return order;
    }

    /// <summary>Cuts an order into consecutive batches.</summary>
    /// <param name="order">Sample indices, in the order to visit them.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="dropLast">Drop a last, smaller batch (default <see langword="false"/>).</param>
    public static int[][] Batches(IReadOnlyList<int> order, int batchSize, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var count = dropLast ? order.Count / batchSize : (order.Count + batchSize - 1) / batchSize;
        var batches = new int[count][];
        for (var b = 0; b < count; b++)
        {
            var start = b * batchSize;
            var batch = new int[Math.Min(batchSize, order.Count - start)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = order[start + i];
            }

            batches[b] = batch;
        }

        return batches;
    }

    /// <summary>
    /// A seed for <see cref="Random"/> mixing the run seed and the epoch (SplitMix64 finaliser; unlike
    /// <see cref="HashCode"/>, identical in every process).
    /// </summary>
    /// <param name="seed">Run seed.</param>
    /// <param name="epoch">Epoch (or any second stream number).</param>
    public static int EpochSeed(int seed, int epoch)
    {
        unchecked
        {
            var z = ((ulong)(uint)seed << 32) | (uint)epoch;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)(z & 0x7FFFFFFF);
        }
    }
}
