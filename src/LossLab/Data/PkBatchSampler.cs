using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Batches of P classes × K samples, as metric losses need (every sample has K-1 positives in its batch).
/// Each batch draws P distinct classes uniformly, then K samples of each without repetition, cycling
/// through a per-class shuffled pool; classes with fewer than K samples are drawn with replacement.
/// An epoch has ⌊N / (P·K)⌋ batches (at least one), so it covers about N samples.
/// </summary>
public sealed class PkBatchSampler
{
    private readonly int[][] _byClass;
    private readonly int[] _classes;
    private readonly int _sampleCount;

    /// <summary>Creates the sampler.</summary>
    /// <param name="labels">(N) int64 labels of the split to sample.</param>
    /// <param name="batchSize">P·K; a multiple of <paramref name="samplesPerClass"/>, at least 2K.</param>
    /// <param name="samplesPerClass">K (default 4, as in the metric-learning baselines); at least 2.</param>
    public PkBatchSampler(Tensor labels, int batchSize, int samplesPerClass = 4)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerClass, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 2 * samplesPerClass);
        if (batchSize % samplesPerClass != 0)
        {
            throw new ArgumentException($"batch size {batchSize} must be a multiple of K = {samplesPerClass}", nameof(batchSize));
        }

        using var cpuLabels = labels.cpu();
        var values = cpuLabels.data<long>().ToArray();
        _sampleCount = values.Length;
        _byClass = values
            .Select((label, index) => (label, index))
            .GroupBy(p => p.label)
            .OrderBy(g => g.Key)
            .Select(g => g.Select(p => p.index).ToArray())
            .ToArray();
        _classes = Enumerable.Range(0, _byClass.Length).ToArray();
        ClassesPerBatch = batchSize / samplesPerClass;
        SamplesPerClass = samplesPerClass;
        if (ClassesPerBatch > _byClass.Length)
        {
            throw new ArgumentException(
                $"batch size {batchSize} with K = {samplesPerClass} needs P = {ClassesPerBatch} classes, the labels hold {_byClass.Length}; " +
                $"use a batch size of at most {_byClass.Length * samplesPerClass} or a larger K",
                nameof(batchSize));
        }
    }

    /// <summary>P, distinct classes per batch.</summary>
    public int ClassesPerBatch { get; }

    /// <summary>K, samples per class in a batch.</summary>
    public int SamplesPerClass { get; }

    /// <summary>P·K.</summary>
    public int BatchSize => ClassesPerBatch * SamplesPerClass;

    /// <summary>Batches per epoch, ⌊N / (P·K)⌋ and at least one.</summary>
    public int BatchesPerEpoch => Math.Max(1, _sampleCount / BatchSize);

    /// <summary>The batches of one epoch, fixed by (seed, epoch).</summary>
    /// <param name="seed">Run seed.</param>
    /// <param name="epoch">Epoch number; each epoch gets different batches.</param>
    /// <returns>Sample indices, one array of P·K per batch, grouped class by class.</returns>
    public int[][] Batches(int seed, int epoch)
    {
        var random = new Random(EpochOrder.EpochSeed(seed, epoch));
        var pools = _byClass.Select(members => members.ToArray()).ToArray();
        var cursors = new int[pools.Length];
        foreach (var pool in pools)
        {
            random.Shuffle(pool);
        }

        var classes = (int[])_classes.Clone();
        var batches = new int[BatchesPerEpoch][];
        for (var b = 0; b < batches.Length; b++)
        {
            // Partial Fisher-Yates: the first P entries become a uniform draw of distinct classes.
            for (var p = 0; p < ClassesPerBatch; p++)
            {
                var pick = random.Next(p, classes.Length);
                (classes[p], classes[pick]) = (classes[pick], classes[p]);
            }

            var batch = new int[BatchSize];
            for (var p = 0; p < ClassesPerBatch; p++)
            {
                Draw(pools[classes[p]], ref cursors[classes[p]], random, batch.AsSpan(p * SamplesPerClass, SamplesPerClass));
            }

            batches[b] = batch;
        }

        return batches;
    }

    private static void Draw(int[] pool, ref int cursor, Random random, Span<int> destination)
    {
        if (pool.Length < destination.Length)
        {
            for (var k = 0; k < destination.Length; k++)
            {
                destination[k] = pool[random.Next(pool.Length)];
            }

            return;
        }

        if (cursor + destination.Length > pool.Length)
        {
            random.Shuffle(pool);
            cursor = 0;
        }

        pool.AsSpan(cursor, destination.Length).CopyTo(destination);
        cursor += destination.Length;
    }
}
