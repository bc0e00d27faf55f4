using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>Labelled embeddings of N samples, as read from an embeddings CSV.</summary>
/// <param name="Labels">(N) class ids.</param>
/// <param name="Values">N × Dimension embedding values, row-major.</param>
/// <param name="Dimension">Embedding width D.</param>
public sealed record EmbeddingTable(long[] Labels, float[] Values, int Dimension)
{
    /// <summary>Number of samples N.</summary>
    public int Count => Labels.Length;

    /// <summary>The values as a new (N, D) float32 CPU tensor (a copy; the caller disposes it).</summary>
    public Tensor ToTensor() => tensor(Values, [Count, Dimension]);
}
