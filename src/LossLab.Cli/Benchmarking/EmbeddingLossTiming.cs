namespace LossLab.Cli.Benchmarking;

/// <summary>Forward + backward time of each metric loss against cross-entropy on the same embeddings (medians over repeats).</summary>
/// <param name="Rows">Batch size N.</param>
/// <param name="Dim">Embedding width D.</param>
/// <param name="Classes">Classes in the P×K batch (P), also the classifier head's outputs for cross-entropy.</param>
/// <param name="CeMicroseconds">Classifier head plus cross-entropy.</param>
/// <param name="Microseconds">Each metric loss's module (<see cref="EmbeddingLossBenchmark.Contenders"/>).</param>
/// <param name="OverCe">Each metric loss's time over cross-entropy's.</param>
public sealed record EmbeddingLossTiming(
    int Rows, int Dim, int Classes, double CeMicroseconds, IReadOnlyDictionary<string, double> Microseconds, IReadOnlyDictionary<string, double> OverCe);
