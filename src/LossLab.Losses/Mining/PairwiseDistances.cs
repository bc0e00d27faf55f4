using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>Batched distance matrices between embeddings, computed from one matrix product.</summary>
public static class PairwiseDistances
{
    /// <summary>Squared Euclidean distances between all rows of <paramref name="x"/>.</summary>
    /// <param name="x">(N, D) embeddings.</param>
    /// <returns>(N, N) distances, non-negative, with an exactly zero diagonal.</returns>
    public static Tensor Squared(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scope = NewDisposeScope();
        var distances = SquaredBetween(x, x);
        distances.diagonal().fill_(0);
        return distances.MoveToOuterDisposeScope();
    }

    /// <summary>Squared Euclidean distances between the rows of <paramref name="x"/> and those of <paramref name="y"/>.</summary>
    /// <param name="x">(N, D) points.</param>
    /// <param name="y">(M, D) points.</param>
    /// <returns>(N, M) distances, clamped at zero against rounding.</returns>
    public static Tensor SquaredBetween(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var scope = NewDisposeScope();
        var xx = x.pow(2).sum(1, keepdim: true);
        var yy = y.pow(2).sum(1).unsqueeze(0);
        // ‖x‖² + ‖y‖² − 2 x·y: one matrix product instead of an (N, M, D) difference tensor.
        var distances = torch.addmm(xx + yy, x, y.t(), beta: 1, alpha: -2);
        return distances.clamp_min(0).MoveToOuterDisposeScope();
    }

    /// <summary>Euclidean distances sqrt(‖x_i − x_j‖² + <paramref name="epsilon"/>) between all rows.</summary>
    /// <param name="x">(N, D) embeddings.</param>
    /// <param name="epsilon">Added under the root so the gradient stays finite at zero distance (default 1e-8, as the margin loss).</param>
    /// <returns>(N, N) distances.</returns>
    public static Tensor Euclidean(Tensor x, double epsilon = 1e-8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epsilon);
        using var scope = NewDisposeScope();
        return (Squared(x) + epsilon).sqrt().MoveToOuterDisposeScope();
    }
}
