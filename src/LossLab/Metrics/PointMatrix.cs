using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>The argument checks shared by the embedding metrics.</summary>
internal static class PointMatrix
{
    /// <summary>Throws unless <paramref name="points"/> is an (N, D) floating-point tensor with N ≥ <paramref name="minRows"/> and only finite values.</summary>
    public static void Check(Tensor points, string parameterName, long minRows)
    {
        if (points.dim() != 2 || !points.is_floating_point())
        {
            throw new ArgumentException($"Expected an (N, D) floating-point tensor, got {points.dtype} of shape [{string.Join(", ", points.shape)}].", parameterName);
        }

        if (points.shape[0] < minRows)
        {
            throw new ArgumentException($"Expected at least {minRows} rows, got {points.shape[0]}.", parameterName);
        }

        // NaN or ±∞ would silently break every nearest-neighbour comparison downstream.
        using var finite = points.isfinite().all();
        if (!finite.item<bool>())
        {
            throw new ArgumentException("The tensor contains NaN or infinite values.", parameterName);
        }
    }

    /// <summary>Throws unless <paramref name="labels"/> is an (<paramref name="count"/>) integer tensor.</summary>
    public static void CheckLabels(Tensor labels, long count, string parameterName)
    {
        if (labels.dim() != 1 || labels.shape[0] != count || labels.is_floating_point())
        {
            throw new ArgumentException($"Expected ({count}) integer labels, got {labels.dtype} of shape [{string.Join(", ", labels.shape)}].", parameterName);
        }
    }
}
