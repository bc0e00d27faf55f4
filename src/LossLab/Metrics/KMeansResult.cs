using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>A k-means clustering. Owns its tensors: dispose it when done.</summary>
/// <param name="Assignments">(N) int64 cluster of each point, in [0, k), on the CPU.</param>
/// <param name="Centroids">(k, D) float32 cluster centres, on the CPU.</param>
/// <param name="Inertia">Sum of squared distances of the points to their centroids.</param>
/// <param name="Iterations">Lloyd iterations run by the winning restart.</param>
public sealed record KMeansResult(Tensor Assignments, Tensor Centroids, double Inertia, int Iterations) : IDisposable
{
    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Assignments.Dispose();
        Centroids.Dispose();
    }
}
