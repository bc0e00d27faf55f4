namespace LossLab.Metrics;

/// <summary>Settings of the embedding evaluation's k-means.</summary>
public sealed record EmbeddingMetricOptions
{
    /// <summary>The defaults below.</summary>
    public static EmbeddingMetricOptions Default { get; } = new();

    /// <summary>k-means runs from different k-means++ draws; the lowest inertia wins. Default 3.</summary>
    public int Restarts { get; init; } = 3;

    /// <summary>Seed of the k-means++ initialisation. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Maximum Lloyd iterations per k-means run. Default 100.</summary>
    public int MaxIterations { get; init; } = 100;
}
