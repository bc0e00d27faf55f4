namespace LossLab.Losses;

/// <summary>What the data says that a loss may need: the number of classes, the embedding width and the training set's images per class.</summary>
public sealed record LossContext
{
    /// <summary>Creates the context.</summary>
    /// <param name="numClasses">Number of classes C, ≥ 1.</param>
    /// <param name="embeddingDim">Embedding width D, ≥ 1.</param>
    /// <param name="classCounts">Training images of each class (length C, each ≥ 0), or null when unknown; losses that need them (class priors, effective-number weights) then fail.</param>
    public LossContext(int numClasses, int embeddingDim, IReadOnlyList<long>? classCounts = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        if (classCounts is not null)
        {
            if (classCounts.Count != numClasses)
            {
                throw new ArgumentException($"classCounts has {classCounts.Count} entries for {numClasses} classes", nameof(classCounts));
            }

            if (classCounts.Any(c => c < 0) || classCounts.Sum() == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(classCounts), "class counts must be ≥ 0 with a positive total");
            }
        }

        NumClasses = numClasses;
        EmbeddingDim = embeddingDim;
        ClassCounts = classCounts?.ToArray();
    }

    /// <summary>Number of classes C.</summary>
    public int NumClasses { get; }

    /// <summary>Embedding width D.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Training images of each class, or null when unknown.</summary>
    public IReadOnlyList<long>? ClassCounts { get; }

    /// <summary>The training set's class frequencies n_c / Σ n.</summary>
    /// <param name="option">The option that needs them, named in the error.</param>
    /// <exception cref="InvalidOperationException">The class counts are unknown.</exception>
    public double[] ClassPrior(string option)
    {
        var counts = RequireCounts(option);
        double total = counts.Sum();
        return counts.Select(c => c / total).ToArray();
    }

    /// <summary>The class counts, or an error naming <paramref name="option"/> when they are unknown.</summary>
    /// <exception cref="InvalidOperationException">The class counts are unknown.</exception>
    public IReadOnlyList<long> RequireCounts(string option) =>
        ClassCounts ?? throw new InvalidOperationException($"{option} needs the training set's images per class (LossContext.ClassCounts)");
}
